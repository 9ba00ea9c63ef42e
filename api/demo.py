"""Demo data on the embedded default: `saksi serve --demo` (`make run`) and `make demo`.

A city to open: about fifty cameras around Simpang Lima (api/demo_city.py), a simulated
recorder holding the last hour of every public one (api/demo_recorder.py), and three cases in
the states a 112 centre sees them, each built by the same use cases a user would run:
- R-DEMO-0001, a fresh 112 report: footage pulled from the cameras around the call, and a
  footage request waiting for a shop owner's answer;
- I-DEMO-0002, an incident under investigation: pulled, reviewed, a refused look by the
  auditor, and an evidence package handed to the prosecutor;
- V-DEMO-0003, a closed investigation whose clips stay under a legal hold.
Safe to run again: what exists is reused (a case already there is left as it is).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.cli.common import host_context, table
from api.demo_city import PRIVATE, SIMPANG_LIMA, DemoCamera, cameras, demo_user
from api.demo_recorder import LazyRecorder, start_demo_recorder
from archive.accounts import users
from archive.audit import verify as audit
from archive.bootstrap import bootstrap
from archive.cameras import registry
from archive.cases import cases
from archive.custody import retrieval
from archive.errors import AlreadyExists, Refused
from archive.export import export
from archive.footage_requests import requests
from archive.ingest import pull
from archive.services import Services
from archive.settings import Settings
from retention import holds

DEMO_USERS = (
    ("operator112", "operator"),
    ("inv.budi", "investigator"),
    ("aud.sari", "auditor"),
    ("pak.agus", "owner"),
)
PROSECUTOR = "Kejaksaan Negeri Semarang"


@dataclass(frozen=True)
class DemoCase:
    case_id: str
    kind: str
    title: str
    lead: str
    member: str
    near: tuple[float, float]
    radius_m: int
    minutes_ago: int  # when the pulled range starts, before the recorder's newest second
    seconds: int  # how long a range is pulled


CASES = (
    DemoCase("R-DEMO-0001", "report", "112 call: motorbike snatched at Simpang Lima",
             "operator112", "inv.budi", SIMPANG_LIMA, 130, 12, 30),
    DemoCase("I-DEMO-0002", "incident", "Collision of a car and a motorbike, Jl. Pahlawan",
             "inv.budi", "operator112", (-6.99420, 110.42110), 230, 35, 30),
    DemoCase("V-DEMO-0003", "investigation", "Bus shelter vandalised, Jl. Pandanaran",
             "inv.budi", "operator112", (-6.98850, 110.41560), 230, 55, 30),
)  # fmt: skip


def load_demo(
    svc: Services, say: Callable[[str], None] = print, recorder_port: int = 0
) -> dict[str, Any]:
    """Users, cameras, the recorder and the three cases; safe to run again.

    Returns the cases, the report's clips, the audit result, the admin's token if it was
    created, and the running recorder (the caller stops it) with the hour it holds."""
    first = users.init_archive(svc, host_context(), "admin")
    admin = demo_user("admin")
    for name, role in DEMO_USERS:
        with contextlib.suppress(AlreadyExists):
            users.add_user(svc, admin, name, role)
            say(f"user {name} ({role}) added")
    city = cameras()
    _register(svc, city)
    say(f"{len(city)} cameras around Simpang Lima")
    recorder, held = start_demo_recorder(svc, city, recorder_port, say)
    # The cases are independent: seeded side by side, start-up waits for the slowest alone.
    with ThreadPoolExecutor(len(CASES), thread_name_prefix="demo") as pool:
        for seeded in [pool.submit(_seed_case, svc, spec, recorder, say) for spec in CASES]:
            seeded.result()
    svc.projector.catch_up()  # saves by several threads: the read models see them all now
    report = CASES[0].case_id
    return {
        "case_id": report,
        "cases": [spec.case_id for spec in CASES],
        "cameras": len(city),
        "clips": retrieval.list_clips(svc, host_context(), case_id=report),
        "audit": audit.verify(svc, host_context()),
        "admin_token": first["token"],
        "recorder": recorder,
        "held": held,
    }


def _register(svc: Services, city: list[DemoCamera]) -> None:
    op = demo_user("operator112")
    for cam in city:
        with contextlib.suppress(AlreadyExists):
            registry.register_camera(
                svc, op, camera_id=cam.camera_id, name=cam.name, owner=cam.owner,
                district=cam.district, rt=cam.rt, lat=cam.lat, lon=cam.lon,
                owner_user=cam.owner_user,
            )  # fmt: skip


def _seed_case(
    svc: Services, spec: DemoCase, recorder: LazyRecorder, say: Callable[[str], None]
) -> None:
    lead, member = demo_user(spec.lead), demo_user(spec.member)
    try:
        cases.open_case(svc, lead, case_id=spec.case_id, kind=spec.kind, title=spec.title,
                        members=[spec.member])  # fmt: skip
    except AlreadyExists:
        return  # seeded at an earlier start: left as it is
    start = recorder.end_at - timedelta(minutes=spec.minutes_ago)
    end = start + timedelta(seconds=spec.seconds)
    # Recorded ahead, so that a loaded machine does not keep the pull waiting past its timeout.
    around = registry.list_cameras(svc, lead, near=spec.near, radius_m=spec.radius_m)
    recorder.record_ahead([str(c["source"]["path"]) for c in around if c["source"]], start, end)
    pulled = pull.pull(
        svc, lead, case_id=spec.case_id, near=spec.near, radius_m=spec.radius_m, start=start,
        end=end, reason=f"{spec.kind}: {spec.title}",
    )  # fmt: skip
    clips = [row["clip_id"] for row in pulled["ingested"]]
    say(
        f"{spec.case_id}: {len(clips)} clips pulled from the cameras within {spec.radius_m} m"
        + "".join(f"; {f['camera_id']} failed: {f['reason']}" for f in pulled["failed"])
    )
    investigator = lead if spec.lead == "inv.budi" else member
    if spec.kind == "report":
        requests.send_request(
            svc, investigator, camera_id=PRIVATE[0][0], start=start,
            end=end, case_id=spec.case_id,
            reason="the snatcher ran past the shop",
        )  # fmt: skip
    elif spec.kind == "incident":
        _review_and_hand_over(svc, spec, clips)
    else:
        holds.set_hold(svc, investigator, on=True, case_id=spec.case_id,
                       reason="defence appeal pending")  # fmt: skip
        cases.close_case(svc, investigator, case_id=spec.case_id, reason="suspect convicted")


def _review_and_hand_over(svc: Services, spec: DemoCase, clips: list[str]) -> None:
    """An investigator's review, an auditor's refused look, the package for the prosecutor."""
    budi = demo_user("inv.budi")
    out = svc.settings.home / "demo-exports" / f"{spec.case_id}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if clips:
            retrieval.download(svc, budi, clip_id=clips[0], out=Path(tmp) / "review.mp4",
                               reason="review of the collision")  # fmt: skip
            with contextlib.suppress(Refused):  # refused, and recorded as such
                retrieval.download(svc, demo_user("aud.sari"), clip_id=clips[0],
                                   out=Path(tmp) / "x.mp4", reason="curious")  # fmt: skip
    export.export_to_file(svc, budi, out=out, case_id=spec.case_id, recipient=PROSECUTOR,
                          reason="hand-over for prosecution")  # fmt: skip


def demo_tokens(svc: Services) -> dict[str, str]:
    """Fresh sign-in tokens for the demo users (the old ones stop working); for `serve --demo`."""
    admin = demo_user("admin")
    names = ["admin", *(name for name, _ in DEMO_USERS)]
    return {name: str(users.issue_token(svc, admin, name)["token"]) for name in names}


def main() -> None:
    settings = Settings.from_env()
    svc = bootstrap(settings)
    result: dict[str, Any] = {}
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
            "\nTry: .venv/bin/saksi case show I-DEMO-0002   |   .venv/bin/saksi audit verify   "
            f"(SAKSI_HOME={settings.home})"
        )
    finally:
        if "recorder" in result:
            result["recorder"].stop()
        svc.close()


if __name__ == "__main__":
    main()
