"""Bad input: exit 2 with one `error:` line; nothing recorded but AccessDenied; no object left."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.bootstrap import bootstrap
from archive.settings import Settings
from tests.e2e.conftest import one_error_line
from tests.support import flows


@pytest.fixture
def state(settings: Settings):
    """Snapshot of what is stored: event count, refusals, object files."""

    def take() -> tuple[int, int, list[Path]]:
        svc = bootstrap(settings)
        try:
            with svc.db.tx(write=False) as tx:
                refusals = tx.one("SELECT COUNT(*) AS n FROM rm_refusals")["n"]
            return flows.event_count(svc), int(refusals), flows.object_files(svc)
        finally:
            svc.close()

    return take


def ingest(cli, *extra: str, source: str, actor: str = "budi", camera: str = "SMG-SS-0001"):
    return cli(
        "ingest",
        "--camera",
        camera,
        "--source",
        source,
        "--actor",
        actor,
        "--reason",
        "check",
        *extra,
    )


@pytest.fixture
def bad_files(tmp_path: Path, footage: Path) -> dict[str, Path]:
    data = footage.read_bytes()
    files = {
        "not_video": tmp_path / "notes.mp4",
        "truncated": tmp_path / "cut.mp4",
        "empty": tmp_path / "empty.mp4",
    }
    files["not_video"].write_text("this is a police report, not a video\n" * 50)
    files["truncated"].write_bytes(data[: len(data) * 2 // 3])
    files["empty"].write_bytes(b"")
    return files


@pytest.mark.parametrize("kind", ["not_video", "truncated", "empty"])
def test_broken_recordings_are_refused_and_leave_nothing(cli, clip, state, bad_files, kind) -> None:
    before = state()
    line = one_error_line(ingest(cli, source=str(bad_files[kind])))
    assert bad_files[kind].name in line
    assert state() == before


def test_a_missing_source_file_is_refused(cli, clip, state, tmp_path: Path) -> None:
    before = state()
    line = one_error_line(ingest(cli, source=str(tmp_path / "nowhere.mp4")))
    assert "not found" in line
    assert state() == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--camera", "NOPE"), "no camera NOPE"),
        (("--case", "R-404"), "no case R-404"),
        (("--source-start", "last tuesday"), "--source-start"),
        (("--source-start", "2026-11-01T10:00:00"), "offset"),
        (("--retention", "forever"), "retention class"),
    ],
)
def test_unknown_ids_and_malformed_values_are_refused(
    cli, clip, state, footage, args, needle
) -> None:
    before = state()
    extra = [a for a in args if args[0] != "--camera"]
    camera = args[1] if args[0] == "--camera" else "SMG-SS-0001"
    line = one_error_line(ingest(cli, *extra, source=str(footage), camera=camera))
    assert needle in line
    assert state() == before


def test_a_role_that_may_not_ingest_is_refused_and_recorded(cli, clip, state, footage) -> None:
    events, refusals, objects = state()
    line = one_error_line(ingest(cli, source=str(footage), actor="sari"))
    assert "auditor" in line
    assert state() == (events + 1, refusals + 1, objects)  # only the AccessDenied event


def test_an_unknown_actor_is_refused_and_recorded(cli, clip, state, footage) -> None:
    events, refusals, objects = state()
    line = one_error_line(ingest(cli, source=str(footage), actor="mallory"))  # no token to give
    assert "token is required" in line and "SAKSI_TOKEN" in line
    assert state() == (events + 1, refusals + 1, objects)


def test_non_members_are_refused_content_and_the_refusal_is_on_the_clip_trail(
    cli, clip, settings, tmp_path
) -> None:
    for actor in ("sari", "ana"):  # auditor and admin: never footage
        one_error_line(
            cli(
                "clip",
                "get",
                clip["clip_id"],
                "--out",
                str(tmp_path / "x"),
                "--actor",
                actor,
                "--reason",
                "curious",
            )
        )
        assert not (tmp_path / "x").exists()
    svc = bootstrap(settings)
    try:
        rows = [r for r in queries_refusals(svc) if r["target"] == f"clip:{clip['clip_id']}"]
        assert [r["actor"] for r in rows] == ["sari", "ana"]
        import uuid

        topics = [r["topic"] for r in flows.stream(svc, uuid.UUID(clip["clip_id"]))]
        assert sum(t.endswith("AccessDenied") for t in topics) == 2
    finally:
        svc.close()


def queries_refusals(svc) -> list[dict]:
    with svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_refusals ORDER BY position")


@pytest.mark.parametrize(
    "args",
    [
        ("clip", "show", "not-a-uuid"),
        ("clip", "show", "00000000-0000-0000-0000-000000000000"),
        ("case", "show", "R-404"),
        ("case", "show", "bad id!"),
        ("clip", "list", "--since", "noon"),
        ("clip", "list", "--status", "lost"),
        ("camera", "list", "--near", "north", "--radius-m", "5"),
        ("case", "open", "R-2", "--kind", "heist", "--title", "t", "--actor", "budi"),
        ("user", "add", "x", "--role", "king", "--actor", "ana"),
        (
            "case",
            "attach",
            "R-1",
            "00000000-0000-0000-0000-000000000000",
            "--actor",
            "budi",
            "--reason",
            "r",
        ),
    ],
)
def test_malformed_or_unknown_arguments(cli, clip, args) -> None:
    one_error_line(cli(*args))


def test_a_duplicate_camera_is_refused(cli, clip) -> None:
    line = one_error_line(
        cli(
            "camera",
            "add",
            "SMG-SS-0001",
            "--name",
            "x",
            "--owner",
            "public",
            "--district",
            "d",
            "--actor",
            "dodi",
        )
    )
    assert "already registered" in line


def test_an_unreachable_postgresql_is_exit_3(cli, monkeypatch) -> None:
    monkeypatch.setenv("SAKSI_EVENT_STORE", "postgresql://postgres@127.0.0.1:1/saksi")
    one_error_line(cli("clip", "list"), code=3)
