"""Finding 11 of issue 18, the smaller ones: an over-limit chunked JSON body is 413; a share
package of a clip pending deletion is 409 and recorded; a failed CSRF check is recorded as a
refusal; checkpoint and signed-note readers are as strict as C2SP and Go's sumdb/note."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.sharing import shares
from domain.base import Context
from ledger import checkpoint as cp
from ledger.checkpoint import CheckpointError
from retention import sweep
from tests.e2e.conftest import Api
from tests.support import flows, seed
from tests.support.retention import ANA, policy
from tests.support.settings import configure
from tests.support.ui import Pages


def refusals(api: Api, action: str) -> list[dict[str, Any]]:
    with api.archive.svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_refusals WHERE action=? ORDER BY position", (action,))


def test_an_over_limit_chunked_json_body_is_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"case_id": "R-1", "kind": "report", "title": "'
        for _ in range(80):
            yield b"a" * 1024
        yield b'"}'

    answer = api.post("/api/cases", "budi", content=chunks(),
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 413, answer.text
    assert "over 65536 bytes" in answer.json()["error"]


def test_a_share_package_of_a_clip_pending_deletion_is_409_and_recorded(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = api.archive.svc
    flows.camera(svc)
    policy(svc, "report", 1)
    [clip_id] = seed.clips(svc, 1)  # budi's, in no case
    share = shares.create_share(svc, Context("budi"), recipient="Kejaksaan",
                                expires=timedelta(days=1), clip_ids=[clip_id])  # fmt: skip
    configure(svc, monkeypatch, SAKSI_RECOVERY_WINDOW="P7D")
    assert sweep.sweep(svc, ANA)["scheduled"] == [clip_id]
    refused = api.post(f"{urlparse(share['url']).path}/package")
    assert refused.status_code == 409, refused.text
    assert "pending deletion" in refused.json()["error"]
    denied = refusals(api, "share.package")
    assert {d["target"] for d in denied} >= {f"clip:{clip_id}"}, denied


def test_a_form_failing_its_csrf_check_is_refused_and_recorded(api: Api) -> None:
    pages = Pages(api.client)
    pages.sign_in(api.archive.tokens["budi"])
    forged = api.client.post("/cases/R-1/shares", data={"csrf": "forged", "recipient": "x"},
                             follow_redirects=False)  # fmt: skip
    assert forged.status_code == 403
    other_site = api.client.post(
        "/cases/R-2/shares",
        data={},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert other_site.status_code == 403
    recorded = refusals(api, "ui.form")
    assert [(r["actor"], r["target"]) for r in recorded] == [
        ("budi", "http:POST /cases/R-1/shares"),
        ("budi", "http:POST /cases/R-2/shares"),
    ]
    assert {r["detail"] for r in recorded} == {
        "the form's security token is missing or out of date",
        "the form was sent from another site",
    }


# --- strict checkpoint and signed-note readers ------------------------------------------


KEY = Ed25519PrivateKey.generate()
ORIGIN = "saksi.test/log"
ROOT = bytes(range(32))


def signed(body: str) -> str:
    return cp.sign_note(body, ORIGIN, KEY)


def verifier() -> cp.Verifier:
    return cp.parse_verifier_key(cp.verifier_key(ORIGIN, KEY.public_key()))


def test_a_well_formed_checkpoint_still_verifies() -> None:
    note = cp.sign_checkpoint(ORIGIN, 10, ROOT, KEY).note
    assert cp.verify_checkpoint(note, verifier(), ORIGIN).size == 10


@pytest.mark.parametrize("size", ["１０", "١٠", "010", "+10", "1_0", " 10", "18446744073709551616"])
def test_a_tree_size_that_is_not_plain_ascii_decimal_is_refused(size: str) -> None:
    body = f"{ORIGIN}\n{size}\n{base64.b64encode(ROOT).decode()}\n"
    with pytest.raises(CheckpointError, match="tree size"):
        cp.verify_checkpoint(signed(body), verifier(), ORIGIN)


def _with_padding_bits(b64: str) -> str:
    """The same bytes in a non-canonical spelling: the last character's unused bits set."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    head = b64.rstrip("=")
    last = alphabet.index(head[-1])
    spare = 0b1111 if b64.endswith("==") else 0b11
    assert last & spare == 0
    return head[:-1] + alphabet[last | 1] + b64[len(head) :]


def test_base64_with_stray_padding_bits_is_refused_in_roots_and_signatures() -> None:
    root = _with_padding_bits(base64.b64encode(ROOT).decode())
    assert base64.b64decode(root) == ROOT  # a lenient reader takes it for the same root
    with pytest.raises(CheckpointError, match="canonical"):
        cp.verify_checkpoint(signed(f"{ORIGIN}\n5\n{root}\n"), verifier(), ORIGIN)
    note = cp.sign_checkpoint(ORIGIN, 5, ROOT, KEY).note
    text, _, line = note.rstrip("\n").rpartition("\n")
    name, sig = line.rsplit(" ", 1)
    forged = f"{text}\n{name} {_with_padding_bits(sig)}\n"
    with pytest.raises(CheckpointError, match="canonical"):
        cp.verify_checkpoint(forged, verifier(), ORIGIN)


@pytest.mark.parametrize("name", ["other+key", "", "tab\tname"])
def test_signature_lines_of_other_signers_need_valid_key_names(name: str) -> None:
    note = cp.sign_checkpoint(ORIGIN, 5, ROOT, KEY).note
    other = base64.b64encode(b"\x00" * 68).decode()
    with pytest.raises(CheckpointError, match="malformed signature line"):
        cp.verify_checkpoint(f"{note}{cp.SIG_PREFIX}{name} {other}\n", verifier(), ORIGIN)
