"""Checkpoints timestamped by a local RFC 3161 TSA (`openssl ts -reply` on loopback), on SQLite
and PostgreSQL: stored, retried when the TSA fails, audited by `audit verify`."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from cryptography import x509

from archive.accounts import users
from archive.audit import verify as audit
from archive.sealing import seal as sealing
from archive.sealing import timestamps
from archive.services import Services
from domain.base import Context
from ledger.timestamp import verify_timestamp
from tests.conftest import Archive
from tests.support.principals import HOST
from tests.support.seaweed import free_port
from tests.support.tsa import LocalTsa


def use_tsa(svc: Services, url: str | None, ca: Any = None) -> None:
    """Point the archive at a TSA (or none), as SAKSI_TSA_URL / SAKSI_TSA_CA would."""
    svc.settings = svc.settings.model_copy(update={"tsa_url": url, "tsa_ca": ca})


def nobody_listening() -> str:
    return f"http://127.0.0.1:{free_port()}/tsa"


def new_events(svc: Services, name: str) -> None:
    users.add_user(svc, Context("ana"), name, "operator")


def seal(svc: Services) -> dict[str, Any]:
    return sealing.checkpoint_view(svc, sealing.seal_checkpoint(svc, HOST))


def stored_rows(svc: Services) -> list[dict[str, Any]]:
    with svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM ledger_timestamps ORDER BY checkpoint_id")


def test_without_a_tsa_nothing_is_timestamped_and_nothing_is_missing(archive: Archive) -> None:
    svc = archive.svc
    assert seal(svc)["timestamp"] is None
    result = audit.verify(svc, HOST)
    assert result["ok"] and stored_rows(svc) == []
    assert result["timestamps"] == {
        "configured": False,
        "stamped": 0,
        "latest_gen_time": None,
        "missing": [],
    }


def test_a_sealed_checkpoint_gets_a_token_over_its_exact_bytes(
    archive: Archive, tsa: LocalTsa
) -> None:
    svc = archive.svc
    use_tsa(svc, tsa.url, tsa.ca)
    view = seal(svc)
    stamp = view["timestamp"]
    assert stamp["status"] == "stamped" and stamp["tsa_url"] == tsa.url
    token = base64.b64decode(stamp["token"])
    ca = x509.load_pem_x509_certificates(tsa.ca.read_bytes())
    checked = verify_timestamp(token, view["note"].encode("utf-8"), trusted=ca)
    assert checked.info.gen_time.isoformat() == stamp["gen_time"]
    assert str(checked.info.serial) == stamp["serial"]
    result = audit.verify(svc, HOST)
    assert result["ok"], result["problems"]
    assert result["timestamps"]["stamped"] == 1 and result["timestamps"]["missing"] == []
    # Sealing again without new events asks nothing more of the TSA.
    asked = tsa.requests
    assert seal(svc)["timestamp"] == stamp and tsa.requests == asked


def test_a_tsa_that_is_down_never_stops_sealing_and_the_gap_is_reported_until_retried(
    archive: Archive, tsa: LocalTsa, caplog: pytest.LogCaptureFixture
) -> None:
    svc = archive.svc
    use_tsa(svc, nobody_listening())
    with caplog.at_level(logging.WARNING, logger="saksi.timestamps"):
        view = seal(svc)
    assert view["size"] > 0 and view["note"]  # sealed and signed all the same
    assert view["timestamp"]["status"] == "missing" and view["timestamp"]["attempts"] == 1
    assert "unreachable" in view["timestamp"]["error"]
    assert "is not timestamped" in caplog.text and "the next seal retries" in caplog.text
    result = audit.verify(svc, HOST)
    assert result["ok"]  # a missing timestamp is a gap, not tampering
    (missing,) = result["timestamps"]["missing"]
    assert missing["size"] == view["size"] and missing["attempts"] == 1
    # The next seal, once the TSA answers again, stamps the checkpoint that waited.
    use_tsa(svc, tsa.url, tsa.ca)
    assert seal(svc)["timestamp"]["status"] == "stamped"
    result = audit.verify(svc, HOST)
    assert result["ok"] and result["timestamps"]["missing"] == []
    assert result["timestamps"]["stamped"] == 1


def test_older_waiting_checkpoints_are_retried_after_the_newest_is_stamped(
    archive: Archive, tsa: LocalTsa
) -> None:
    svc = archive.svc
    use_tsa(svc, nobody_listening())
    seal(svc)
    new_events(svc, "dian")
    seal(svc)
    assert len(audit.verify(svc, HOST)["timestamps"]["missing"]) == 2
    use_tsa(svc, tsa.url, tsa.ca)
    new_events(svc, "edo")
    seal(svc)
    rows = stored_rows(svc)
    assert len(rows) == 3 and all(r["token"] is not None for r in rows)
    assert audit.verify(svc, HOST)["ok"]


@pytest.mark.parametrize(
    ("mode", "named"),
    [
        ("garbage", "not a TimeStampResp"),
        ("error", "HTTP 500"),
        ("reject", "refused: status rejection (policy not accepted)"),
        ("foreign", "timestamp_certificate"),
    ],
)
def test_a_bad_answer_leaves_no_token_and_says_why(
    archive: Archive, tsa: LocalTsa, mode: str, named: str
) -> None:
    svc = archive.svc
    use_tsa(svc, tsa.url, tsa.ca)
    tsa.mode = mode
    view = seal(svc)
    assert view["timestamp"]["status"] == "missing" and named in view["timestamp"]["error"]
    assert [r["token"] for r in stored_rows(svc)] == [None]
    tsa.mode = "ok"
    assert seal(svc)["timestamp"]["status"] == "stamped"


def test_audit_verify_names_a_tampered_or_swapped_stored_token(
    archive: Archive, tsa: LocalTsa
) -> None:
    svc = archive.svc
    use_tsa(svc, tsa.url, tsa.ca)
    seal(svc)
    new_events(svc, "dian")
    seal(svc)
    first, second = stored_rows(svc)
    token = bytes(first["token"])

    def store(checkpoint_id: int, **values: Any) -> None:
        sets = ", ".join(f"{k}=?" for k in values)
        with svc.db.tx() as tx:
            tx.run(
                f"UPDATE ledger_timestamps SET {sets} WHERE checkpoint_id=?",
                (*values.values(), checkpoint_id),
            )

    def problems() -> set[tuple[str, int]]:
        result = audit.verify(svc, HOST)
        assert result["ok"] is False
        return {(p["kind"], p["position"]) for p in result["problems"]}

    with svc.db.tx(write=False) as tx:
        positions = {
            int(r["id"]): int(r["last_position"])
            for r in tx.all("SELECT id, last_position FROM ledger_checkpoints")
        }
    at = token.index(b"\x18\x0f") + 2  # genTime's year, inside the signed TSTInfo
    store(first["checkpoint_id"], token=token[:at] + b"1999" + token[at + 4 :])
    assert problems() == {("timestamp_signature", positions[first["checkpoint_id"]])}
    store(first["checkpoint_id"], token=bytes(second["token"]))  # another checkpoint's token
    assert ("timestamp_imprint", positions[first["checkpoint_id"]]) in problems()
    store(first["checkpoint_id"], token=token, gen_time="2001-01-01T00:00:00+00:00")
    assert problems() == {("timestamp", positions[first["checkpoint_id"]])}
    store(first["checkpoint_id"], gen_time=first["gen_time"])
    assert audit.verify(svc, HOST)["ok"]


def test_the_packaged_certificates_hold_the_tsa_and_its_ca(archive: Archive, tsa: LocalTsa) -> None:
    svc = archive.svc
    use_tsa(svc, tsa.url, tsa.ca)
    size = seal(svc)["size"]
    packaged = timestamps.packaged(svc, size)
    assert packaged is not None
    names = [
        c.subject.rfc4514_string()
        for c in x509.load_pem_x509_certificates(packaged.certificates_pem)
    ]
    assert names == ["CN=tsa", "CN=root"]


def test_a_checkpoint_sealed_with_a_tsa_says_so_and_a_deleted_token_is_reported(
    archive: Archive, tsa: LocalTsa
) -> None:
    # The insider of issue 22 deleted the timestamp rows: it must not be a silent gap.
    svc = archive.svc
    use_tsa(svc, tsa.url, tsa.ca)
    view = seal(svc)
    sealed = timestamps.wanted_since(view["note"])
    assert sealed is not None and "\ntimestamp-wanted " in view["note"]
    assert audit.verify(svc, HOST)["ok"]
    with svc.db.tx() as tx:
        tx.run("DELETE FROM ledger_timestamps")
    result = audit.verify(svc, HOST)
    [problem] = result["problems"]
    assert problem["kind"] == "timestamp" and "record is gone" in problem["detail"]


def test_a_token_got_long_after_its_checkpoint_was_sealed_is_reported(
    archive: Archive, tsa: LocalTsa
) -> None:
    # Re-signed checkpoints timestamped afresh: their tokens are far younger than the sealing
    # time the checkpoint states.
    from ledger.checkpoint import sign_checkpoint
    from storage.ledger_tables.merkle_store import MerkleStore

    svc = archive.svc
    use_tsa(svc, tsa.url, tsa.ca)
    view = seal(svc)
    assert view["timestamp"]["status"] == "stamped"
    with svc.db.tx() as tx:
        stored = MerkleStore.latest_checkpoint(tx)
        assert stored is not None
        then = (timestamps.wanted_since(stored.note) or 0) - 2 * 86400
        two_days_ago = timestamps.wanted_line(then)
        note = sign_checkpoint(
            svc.settings.origin, stored.size, stored.root, svc.signing.private(), [two_days_ago]
        ).note
        tx.run("UPDATE ledger_checkpoints SET note=? WHERE id=?", (note, stored.id))
        tx.run("DELETE FROM ledger_timestamps")
        restamped = MerkleStore.latest_checkpoint(tx)
    assert restamped is not None
    timestamps.stamp_after_seal(svc, restamped)
    [problem] = audit.verify(svc, HOST)["problems"]
    assert problem["kind"] == "timestamp" and "far from the sealing time" in problem["detail"]
