"""A PostgreSQL primary with a hot standby on loopback, for failover drills.

Both are private clusters of Debian's PostgreSQL (tests/support/postgres.py) on ports of their
own. The standby is a `pg_basebackup` of the primary streaming its WAL; with `synchronous`
the primary names it in `synchronous_standby_names`, so a commit is acknowledged only once the
standby has flushed it. The standby itself is started without that setting: once promoted it
has no standby of its own and must not wait for one.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support.postgres import PrivatePostgres, _bin
from tests.support.seaweed import free_ports

STANDBY_NAME = "saksi_standby"


@dataclass
class ReplicatedPostgres:
    primary: PrivatePostgres
    standby: PrivatePostgres
    synchronous: bool

    def url(self, dbname: str, schema: str) -> str:
        """SAKSI_EVENT_STORE naming both servers, primary first."""
        hosts = f"127.0.0.1:{self.primary.port},127.0.0.1:{self.standby.port}"
        return (
            f"postgresql://postgres@{hosts}/{dbname}"
            f"?schema={schema}&target_session_attrs=read-write"
        )

    def create_database(self, name: str) -> None:
        self.primary.create_database(name)

    def streaming(self) -> dict[str, str]:
        """The primary's view of its standby: state and sync_state ('sync' or 'async')."""
        with psycopg.connect(self.primary.admin_conninfo) as conn:
            row = conn.execute(
                "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = %s",
                (STANDBY_NAME,),
            ).fetchone()
        return {"state": row[0], "sync_state": row[1]} if row else {}

    def wait_streaming(self, timeout: float = 60) -> dict[str, str]:
        want = "sync" if self.synchronous else "async"
        deadline = time.monotonic() + timeout
        while (state := self.streaming()).get("sync_state") != want:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby is not streaming ({want}): {state}")
            time.sleep(0.1)
        return state

    def stall_replication(self) -> int:
        """Freeze the primary's WAL sender to the standby (SIGSTOP): WAL written from now on
        stays on the primary, as when the link to the standby stalls. Returns its pid."""
        with psycopg.connect(self.primary.admin_conninfo) as conn:
            row = conn.execute(
                "SELECT pid FROM pg_stat_replication WHERE application_name = %s",
                (STANDBY_NAME,),
            ).fetchone()
        if not row:
            raise RuntimeError("the primary has no WAL sender to the standby")
        os.kill(int(row[0]), signal.SIGSTOP)
        return int(row[0])

    def promote(self) -> float:
        """`pg_ctl promote` and wait until the standby takes writes; returns the seconds."""
        began = time.monotonic()
        self.standby._run(_bin("pg_ctl"), "-D", str(self.standby.data), "-w", "-t", "60",
                          "promote")  # fmt: skip
        return time.monotonic() - began

    def destroy(self) -> None:
        try:
            self.primary.destroy()
        finally:
            self.standby.destroy()
            shutil.rmtree(self.primary.folder.parent, ignore_errors=True)


def start_replicated_postgres(*, synchronous: bool = True) -> ReplicatedPostgres:
    """A primary and a streaming hot standby of it, both started (not under pytest's tmp
    folder: that is private to root, and the servers run as postgres)."""
    root = Path(tempfile.mkdtemp(prefix="saksi-pg-pair-"))
    root.chmod(0o755)  # the servers' own folders below are theirs alone
    primary_port, standby_port = free_ports(2)
    settings = {"synchronous_standby_names": STANDBY_NAME} if synchronous else {}
    primary = PrivatePostgres(root / "primary", primary_port, settings=settings)
    standby = PrivatePostgres(root / "standby", standby_port)
    pair = ReplicatedPostgres(primary, standby, synchronous)
    try:
        primary.init()  # initdb's pg_hba lets local replication connections in (trust)
        primary.start()
        standby.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(standby.folder, "postgres", "postgres")
        standby._run(
            _bin("pg_basebackup"), "-D", str(standby.data), "-X", "stream", "-c", "fast", "-R",
            "-d", f"host=127.0.0.1 port={primary_port} user=postgres",
        )  # fmt: skip
        # -R wrote standby.signal and a primary_conninfo; this one names the standby, as the
        # primary's synchronous_standby_names expects (the later line wins).
        with open(standby.data / "postgresql.auto.conf", "a") as conf:
            conf.write(
                f"primary_conninfo = 'host=127.0.0.1 port={primary_port} user=postgres "
                f"application_name={STANDBY_NAME}'\n"
            )
        standby.start()
        pair.wait_streaming()
    except BaseException:
        pair.destroy()
        raise
    return pair
