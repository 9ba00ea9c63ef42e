"""Demo data on the embedded default: `saksi serve --demo` (`make run`) and `make demo`.

Registers a few Semarang cameras, generates some seconds of synthetic footage with ffmpeg,
ingests it into a 112 report case and retrieves one clip. `python -m api.demo` then prints
the clip list and the audit. Safe to run again: what exists is reused.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.cli.common import host_context, table
from archive.accounts import users
from archive.audit import verify as audit
from archive.bootstrap import bootstrap
from archive.cameras import registry as cameras
from archive.cases import cases
from archive.custody import retrieval
from archive.errors import AlreadyExists
from archive.ingest import ingest, media
from archive.services import Services
from archive.settings import Settings
from domain.base import Context

CAMERAS = [
    ("SMG-SS-0001", "Simpang Lima north", "public", "Semarang Selatan", "001", -6.99030, 110.42290),
    ("SMG-SS-0002", "Jl. Pandanaran", "public", "Semarang Selatan", "002", -6.98950, 110.41870),
    (
        "SMG-SS-0003",
        "Toko Sinar (private)",
        "private",
        "Semarang Selatan",
        "003",
        -6.99120,
        110.42410,
    ),
]


DEMO_USERS = (("operator112", "operator"), ("inv.budi", "investigator"), ("aud.sari", "auditor"))


def demo_user(name: str) -> Context:
    """The demo seeds a throwaway archive with its own fixed users on this host; its records
    say so (client `local:demo`). No command line path reaches this: a user's command proves
    who they are with their token (api/cli/common.py, user_context)."""
    return Context(actor=name, channel="cli", client="local:demo")


def load_demo(svc: Services, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Cameras, users, a case and two ingested clips; safe to run again (what exists is reused).

    Returns the demo case, its clips, the audit result and the admin's token if it was created."""
    first = users.init_archive(svc, host_context(), "admin")
    admin = demo_user("admin")
    for name, role in DEMO_USERS:
        try:
            users.add_user(svc, admin, name, role)
            say(f"user {name} ({role}) added")
        except AlreadyExists:
            pass
    op = demo_user("operator112")
    for cid, name, owner, district, rt, lat, lon in CAMERAS:
        with contextlib.suppress(AlreadyExists):
            cameras.register_camera(
                svc,
                op,
                camera_id=cid,
                name=name,
                owner=owner,
                district=district,
                rt=rt,
                lat=lat,
                lon=lon,
            )
    inv = demo_user("inv.budi")
    case_id = "R-DEMO-0001"
    with contextlib.suppress(AlreadyExists):
        cases.open_case(
            svc,
            inv,
            case_id=case_id,
            kind="report",
            title="112 report: motorbike theft near Simpang Lima",
            members=["operator112"],
        )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (cid, *_rest) in enumerate(CAMERAS[:2]):
            clip_file = media.make_test_clip(
                Path(tmp) / f"{cid}.mp4",
                seconds=3,
                creation_time=start + timedelta(seconds=i),
                pattern="testsrc2" if i == 0 else "smptebars",
            )
            clip = ingest.ingest_file(
                svc,
                inv,
                camera_id=cid,
                source=clip_file,
                reason="verify 112 report",
                case_id=case_id,
            )
            say(f"ingested {clip['clip_id']} from {cid} (sha256 {clip['sha256'][:16]}…)")
        got = retrieval.download(
            svc,
            inv,
            clip_id=clip["clip_id"],
            out=Path(tmp) / "copy.mp4",
            reason="review for report",
        )
        say(f"retrieved {got['clip_id']}: {got['size_bytes']} bytes, sha256 verified")
    rows = retrieval.list_clips(svc, host_context(), case_id=case_id)
    return {
        "case_id": case_id,
        "clips": rows,
        "audit": audit.verify(svc, host_context()),
        "admin_token": first["token"],
    }


def demo_tokens(svc: Services) -> dict[str, str]:
    """Fresh sign-in tokens for the demo users (the old ones stop working); for `serve --demo`."""
    admin = demo_user("admin")
    names = ["admin", *(name for name, _ in DEMO_USERS)]
    return {name: str(users.issue_token(svc, admin, name)["token"]) for name in names}


def main() -> None:
    settings = Settings.from_env()
    svc = bootstrap(settings)
    try:
        print(f"archive at {settings.home} (SQLite events, local object store)")
        result = load_demo(svc)
        if result["admin_token"]:
            print(f"admin token (shown once): {result['admin_token']}")
        print(f"\nclips in case {result['case_id']}:")
        print(table(result["clips"], ["clip_id", "camera_id", "start", "duration_s", "status"]))
        verdict = {k: result["audit"][k] for k in ("ok", "events", "problems")}
        print("\naudit verify:", json.dumps(verdict))
        print(
            "\nTry: .venv/bin/saksi clip list   |   .venv/bin/saksi audit verify   "
            f"(SAKSI_HOME={settings.home})"
        )
    finally:
        svc.close()


if __name__ == "__main__":
    main()
