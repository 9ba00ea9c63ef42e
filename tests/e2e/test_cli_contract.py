"""The command line against the contract: JSON shapes, exit codes, one-line errors.

Runs on SQLite and PostgreSQL (the `cli` fixture follows `store_kind`).
"""

from __future__ import annotations

from pathlib import Path

CLIP_FIELDS = {
    "clip_id",
    "camera_id",
    "sha256",
    "size_bytes",
    "duration_s",
    "codec",
    "width",
    "height",
    "start",
    "end",
    "retain_until",
    "status",
    "legal_hold",
}


def test_init_is_idempotent_and_shows_the_token_once(cli, admin_token: str) -> None:
    again = cli("init", "--admin", "ana", "--json")
    assert again.code == 0
    assert again.json()["token"] is None


def test_ingest_and_clip_show_have_the_contract_shape(cli, clip: dict, footage: Path) -> None:
    assert set(clip) >= CLIP_FIELDS
    assert len(clip["sha256"]) == 64 and clip["sha256"] == clip["sha256"].lower()
    assert clip["size_bytes"] == footage.stat().st_size
    assert clip["codec"] == "h264" and (clip["width"], clip["height"]) == (320, 240)
    assert clip["start"] == "2026-11-01T10:00:00+00:00" and clip["duration_s"] == 3.0
    assert clip["status"] == "active" and clip["legal_hold"] is False
    shown = cli("clip", "show", clip["clip_id"], "--json").json()
    assert {k: shown[k] for k in CLIP_FIELDS} == {k: clip[k] for k in CLIP_FIELDS}


def test_clip_list_filters_by_case_camera_and_time(cli, clip: dict) -> None:
    def ids(*args: str) -> list[str]:
        result = cli("clip", "list", *args, "--json")
        assert result.code == 0, result.err
        return [c["clip_id"] for c in result.json()["clips"]]

    cid = clip["clip_id"]
    assert ids() == [cid]
    assert ids("--case", "R-1") == [cid]
    assert ids("--camera", "SMG-SS-0001") == [cid]
    assert ids("--camera", "OTHER") == []
    assert ids("--since", "2026-11-01T17:00:01+07:00") == [cid]  # overlaps the recording
    assert ids("--since", "2026-11-01T10:00:04Z") == []
    assert ids("--until", "2026-11-01T09:59:59Z") == []
    assert ids("--status", "purged") == []


def test_clip_get_writes_the_verified_original_and_records_it(
    cli, clip: dict, footage: Path, tmp_path: Path
) -> None:
    out = tmp_path / "copy.mp4"
    result = cli(
        "clip",
        "get",
        clip["clip_id"],
        "--out",
        str(out),
        "--actor",
        "budi",
        "--reason",
        "review",
        "--json",
    )
    assert result.code == 0, result.err
    assert out.read_bytes() == footage.read_bytes()
    assert result.json()["sha256"] == clip["sha256"]


def test_case_show_and_camera_list(cli, clip: dict) -> None:
    case = cli("case", "show", "R-1", "--json").json()
    assert case["lead"] == "budi" and case["members"] == ["budi", "dodi"]
    assert case["clip_ids"] == [clip["clip_id"]] and case["status"] == "open"
    near = cli("camera", "list", "--near", "-6.99,110.423", "--radius-m", "100", "--json").json()
    assert [c["camera_id"] for c in near["cameras"]] == ["SMG-SS-0001"]
    far = cli("camera", "list", "--near", "-7.2,110.4", "--radius-m", "100", "--json").json()
    assert far["cameras"] == []


def test_closing_a_case_lets_its_clips_keep_the_class_tail(cli, clip: dict) -> None:
    assert clip["retain_until"].startswith("9999")  # an open case holds its clips
    closed = cli("case", "close", "R-1", "--actor", "budi", "--reason", "report verified", "--json")
    assert closed.code == 0, closed.err
    after = cli("clip", "show", clip["clip_id"], "--json").json()
    assert not after["retain_until"].startswith("9999")


def test_audit_verify_shape(cli, clip: dict) -> None:
    result = cli("audit", "verify", "--json")
    assert result.code == 0
    doc = result.json()
    assert set(doc) >= {"ok", "events", "checkpoints", "problems"}
    assert doc["ok"] is True and doc["events"] > 10 and doc["problems"] == []


def test_human_output_and_version(cli, clip: dict) -> None:
    assert "SMG-SS-0001" in cli("clip", "list").out
    assert cli("--version").out.startswith("saksi ")
    assert "intact" in cli("audit", "verify").out
