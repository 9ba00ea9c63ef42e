"""`saksi retention ...` and `saksi hold ...` against the contract: JSON shapes, exit codes,
the access table (refusals recorded), and a purged clip read back as gone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from archive.timefmt import now
from tests.e2e.conftest import one_error_line
from tests.e2e.test_cli_bad_input import ingest


def ingest_an_hour_old_clip(cli, footage: Path) -> str:
    start = (now() - timedelta(hours=1)).isoformat()
    result = ingest(cli, "--source-start", start, "--json", source=str(footage))
    assert result.code == 0, result.err
    return str(result.json()["clip_id"])


def test_policy_set_and_list_follow_the_contract(cli, people) -> None:
    done = cli(
        "retention",
        "policy",
        "set",
        "report",
        "--keep",
        "PT30S",
        "--actor",
        "ana",
        "--reason",
        "pilot",
        "--json",
    )
    assert done.code == 0, done.err
    assert (done.json()["keep"], done.json()["keep_seconds"]) == ("PT30S", 30)
    listed = {
        p["retention_class"]: p
        for p in cli("retention", "policy", "list", "--json").json()["policies"]
    }
    assert set(listed) == {"report", "incident", "investigation"}
    assert (listed["report"]["keep"], listed["report"]["changed_by"]) == ("PT30S", "ana")
    assert listed["investigation"]["keep"] == "P1825D"
    refused = cli("retention", "policy", "set", "report", "--keep", "P1D", "--actor", "budi")
    assert "refused" in one_error_line(refused)
    assert "invalid --keep" in one_error_line(
        cli("retention", "policy", "set", "report", "--keep", "30 seconds", "--actor", "ana")
    )
    assert "unknown retention class" in one_error_line(
        cli("retention", "policy", "set", "forever", "--keep", "P1D", "--actor", "ana")
    )


def test_holds_follow_the_access_table(cli, clip: dict) -> None:
    def hold(verb: str, actor: str, *target: str):
        return cli("hold", verb, *target, "--actor", actor, "--reason", "court order", "--json")

    def held() -> bool:
        return bool(cli("clip", "show", clip["clip_id"], "--json").json()["legal_hold"])

    for outsider in ("sari", "dodi"):  # an auditor; an operator, though a member of the case
        assert "refused" in one_error_line(hold("place", outsider, "--case", "R-1"))
    placed = hold("place", "budi", "--case", "R-1")  # the investigator leading the case
    assert placed.code == 0, placed.err
    assert placed.json()["hold_id"] == "case:R-1" and placed.json()["clip_ids"] == [clip["clip_id"]]
    assert held() and cli("case", "show", "R-1", "--json").json()["legal_hold"] is True
    assert "refused" in one_error_line(hold("release", "budi", "--case", "R-1"))  # admins only
    assert hold("release", "ana", "--case", "R-1").code == 0 and not held()
    assert hold("place", "budi", "--clip", clip["clip_id"]).code == 0 and held()
    assert hold("release", "ana", "--clip", clip["clip_id"]).code == 0 and not held()
    assert "exactly one" in one_error_line(hold("place", "ana"))
    assert "exactly one" in one_error_line(hold("place", "ana", "--case", "R-1", "--clip", "x"))


def test_a_swept_clip_reads_as_gone_with_its_purge_record(
    cli, clip: dict, footage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAKSI_RECOVERY_WINDOW", "PT0S")  # the purge itself (no window to wait)
    assert cli("retention", "policy", "set", "report", "--keep", "PT1S", "--actor", "ana").code == 0
    old = ingest_an_hour_old_clip(cli, footage)
    assert "refused" in one_error_line(cli("retention", "sweep", "--actor", "budi"))

    swept = cli("retention", "sweep", "--actor", "ana", "--json")

    assert swept.code == 0, swept.err
    doc = swept.json()
    assert (doc["purged"], doc["kept_on_hold"], doc["errors"]) == ([old], [], [])
    got = cli(
        "clip",
        "get",
        old,
        "--out",
        str(tmp_path / "x.mp4"),
        "--actor",
        "budi",
        "--reason",
        "review",
    )
    assert "was purged" in one_error_line(got) and "audit trail" in got.err
    purged = cli("clip", "list", "--status", "purged", "--json").json()["clips"]
    assert [c["clip_id"] for c in purged] == [old]
    assert cli("audit", "verify", "--json").json()["ok"] is True
    [run] = cli("retention", "runs", "--json").json()["runs"]
    assert (run["job"], run["trigger"], run["status"]) == ("retention-sweep", "cli", "finished")
    assert run["result"]["purged"] == 1


def test_retention_due_lists_what_the_sweep_will_purge_and_when(
    cli, clip: dict, footage: Path
) -> None:
    assert cli("retention", "policy", "set", "report", "--keep", "PT2H", "--actor", "ana").code == 0
    soon = ingest_an_hour_old_clip(cli, footage)  # goes in about an hour

    assert cli("retention", "due", "--within", "PT30M", "--json").json()["clips"] == []
    [due] = cli("retention", "due", "--within", "P1D", "--json").json()["clips"]
    assert (due["clip_id"], due["will_purge"], due["overdue"]) == (soon, True, False)
    assert due["retain_until"] == cli("clip", "show", soon, "--json").json()["retain_until"]
    assert soon in cli("retention", "due", "--within", "P1D").out
