"""Read models against the log: every row of the tables sign-in, case membership, fixity and
holds rely on, compared with a replica projected afresh from the hash-chained log
(storage/readmodels/replica.py). `audit verify` includes it; the scheduled ledger check runs it.

Each disagreement is one problem of kind `read_model`, naming the table, the row and what
differs (never a token hash): a row the log has and the read model lost, a row only the read
model has (inserted behind the log), or columns changed.
"""

from __future__ import annotations

from archive.services import Services
from domain.base import Context
from ledger.streams import Problem
from storage.db import Tx
from storage.ledger_tables.rows import snapshot
from storage.readmodels import replica as replicas
from storage.readmodels.replica import Difference

SUBJECTS = {
    "rm_users": "user",
    "rm_case_members": "case member",
    "rm_cases": "case",
    "rm_objects": "object",
    "rm_clips": "clip",
    "rm_clip_holds": "hold",
}


def check(svc: Services, ctx: Context) -> list[Problem]:
    """Auditors, admins, the host and the scheduler: the read models against the log now."""
    svc.guard.require(ctx, "audit", target="read models")
    with snapshot(svc.db) as tx:
        return problems_in(svc, tx)


def problems_in(svc: Services, tx: Tx) -> list[Problem]:
    """The comparison inside the caller's snapshot (audit verify's)."""
    replica = replicas.project(tx, svc.db, svc.store.mapper, replicas.live_position(tx))
    skipped = [
        Problem(
            "read_model",
            position,
            None,
            None,
            f"the event at position {position} cannot be replayed ({why}): the read models "
            "were compared without it",
        )
        for position, why in replica.unreplayed
    ]
    return skipped + [_problem(d) for d in replicas.differences(tx, replica)]


def _problem(d: Difference) -> Problem:
    what = f"{d.table}: {SUBJECTS[d.table]} {'/'.join(d.key)}"
    if d.where == "log":
        detail = f"{what} is in the log but missing from the read model"
    elif d.where == "read_model":
        detail = f"{what} is in the read model but not in the log (inserted behind it)"
    else:
        shown = ", ".join(d.columns)
        detail = f"{what}: {shown} differ{'s' if len(d.columns) == 1 else ''} from the log"
    return Problem("read_model", None, None, None, detail)
