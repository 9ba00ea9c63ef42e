"""`saksi witness serve` as a real process: the tlog-witness HTTP answers, durable state on
SQLite and PostgreSQL, and a witness killed in the middle of a request that keeps its state."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api.witness.state import WitnessState
from ledger import merkle
from ledger.checkpoint import sign_checkpoint, verifier_key
from ledger.cosignature import check_cosignatures, parse_cosigner_key, with_cosignatures
from ledger.witness import add_checkpoint_body
from tests.support.witness import WitnessProcess

V = json.loads((Path(__file__).parents[1] / "assets" / "witness" / "vectors.json").read_text())
ORIGIN = "saksi.test/witnessed"
LOG_KEY = Ed25519PrivateKey.generate()
LEAVES = [merkle.hash_leaf(b"e%d" % i) for i in range(16)]
FORKED = [merkle.hash_leaf(b"f%d" % i) for i in range(16)]
PG = "postgresql://postgres@127.0.0.1:5432/{db}?schema=w_{tag}"


def note(size: int, leaves: list[bytes] = LEAVES) -> str:
    return sign_checkpoint(ORIGIN, size, merkle.subtree_root(leaves[:size]), LOG_KEY).note


def body(old: int, size: int, leaves: list[bytes] = LEAVES) -> bytes:
    source = merkle.memory_source(leaves)
    return add_checkpoint_body(old, merkle.consistency_proof(old, size, source), note(size, leaves))


def post(w: WitnessProcess, data: bytes, timeout: float = 10) -> tuple[int, str]:
    req = urllib.request.Request(f"{w.url}/add-checkpoint", data=data, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def latest_size(w: WitnessProcess) -> int:
    url = f"{w.url}/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint"
    with urllib.request.urlopen(url, timeout=5) as r:
        return int(r.read().decode().split("\n")[1])


@pytest.fixture(params=["sqlite", "postgres"])
def witness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WitnessProcess]:
    state = ""
    if request.param == "postgres":
        db = request.getfixturevalue("pg_database")
        state = PG.format(db=db, tag=uuid.uuid4().hex[:10])
    sigsum_origin = V["litewitness_log_origin"]
    sigsum_key = Ed25519PublicKey.from_public_bytes(
        bytes.fromhex(V["litewitness_log_public_key_hex"])
    )
    logs = [
        f"{ORIGIN}={verifier_key(ORIGIN, LOG_KEY.public_key())}",
        f"{sigsum_origin}={verifier_key(sigsum_origin, sigsum_key)}",
    ]
    w = WitnessProcess("witness.test/w1", tmp_path / "w1", logs, state=state).start()
    yield w
    w.stop()


def test_answers_as_tlog_witness_says(witness: WitnessProcess) -> None:
    cosigner = parse_cosigner_key(witness.key)
    status, line = post(witness, body(0, 4))
    assert status == 200, line
    found = check_cosignatures(with_cosignatures(note(4), [line]), [cosigner])
    assert len(found.valid) == 1 and not found.invalid
    assert post(witness, body(0, 8)) == (409, "4\n")  # behind: the witness names its size
    assert post(witness, body(4, 8, FORKED))[0] == 422  # another history
    status, _ = post(witness, body(4, 8))
    assert status == 200 and latest_size(witness) == 8
    assert post(witness, add_checkpoint_body(8, [], note(6)))[0] == 400  # smaller
    assert post(witness, body(0, 3).replace(b"saksi.test/", b"other.test/"))[0] == 404
    forged = sign_checkpoint(
        ORIGIN, 9, merkle.subtree_root(LEAVES[:9]), Ed25519PrivateKey.generate()
    )
    assert post(witness, add_checkpoint_body(8, [], forged.note))[0] == 403
    # The Sigsum checkpoint litewitness cosigns, ours cosigns too.
    status, _ = post(witness, V["litewitness_request"].encode())
    assert status == V["litewitness_status"]
    # The inconsistent checkpoint is kept with the one it contradicts: a fork's evidence.
    state = WitnessState(witness.state)
    try:
        forks = [r for r in state.refusals() if r.kind == "inconsistent"]
    finally:
        state.close()
    assert len(forks) == 1 and forks[0].note == note(8, FORKED)
    assert forks[0].latest_note is not None and forks[0].latest_note.startswith(note(4))


def hold_state(w: WitnessProcess):  # type: ignore[no-untyped-def]
    """Take the lock the witness needs to decide, so that its next request waits inside."""
    if w.state.startswith("sqlite:///"):
        conn = sqlite3.connect(w.state[len("sqlite:///") :], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        return lambda: (conn.execute("ROLLBACK"), conn.close())
    url = w.state.split("?schema=")[0]
    conn2 = psycopg.connect(url, autocommit=True)
    conn2.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"saksi-witness:{ORIGIN}",))
    return lambda: conn2.close()


def test_a_witness_killed_in_the_middle_of_a_request_keeps_its_state(
    witness: WitnessProcess,
) -> None:
    assert post(witness, body(0, 4))[0] == 200
    release = hold_state(witness)
    outcome: list[object] = []
    sender = threading.Thread(target=lambda: outcome.append(_try(witness, body(4, 8))))
    sender.start()
    time.sleep(1.0)  # the request is inside the witness, waiting for the state
    witness.kill()
    sender.join(15)
    release()
    assert outcome and outcome[0] != 200  # no cosignature came out
    witness.start()
    assert latest_size(witness) == 4  # the killed request left nothing behind
    # After the restart it still refuses what contradicts its state...
    assert post(witness, body(4, 8, FORKED))[0] == 422
    assert post(witness, add_checkpoint_body(4, [], note(3)))[0] == 400
    assert post(witness, body(0, 8)) == (409, "4\n")
    # ...accepts the consistent one, and keeps that too across a kill.
    assert post(witness, body(4, 8))[0] == 200
    witness.kill()
    witness.start()
    assert latest_size(witness) == 8
    assert post(witness, body(8, 16))[0] == 200


def _try(w: WitnessProcess, data: bytes) -> object:
    try:
        return post(w, data, timeout=15)[0]
    except OSError as e:
        return e


def test_concurrent_requests_from_one_size_get_one_cosignature(witness: WitnessProcess) -> None:
    # tlog-witness's race: checking the old size and storing the new checkpoint are atomic, so
    # of many requests from the same old size exactly one is cosigned; the rest learn its size.
    assert post(witness, body(0, 4))[0] == 200
    answers: dict[int, tuple[int, str]] = {}
    threads = [
        threading.Thread(target=lambda n=n: answers.__setitem__(n, post(witness, body(4, n))))
        for n in range(5, 13)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    won = [n for n, (status, _) in answers.items() if status == 200]
    assert len(won) == 1, answers
    assert all(answers[n] == (409, f"{won[0]}\n") for n in answers if n != won[0])
    assert latest_size(witness) == won[0]
