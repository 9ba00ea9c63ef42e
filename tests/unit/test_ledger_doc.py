"""The worked examples in docs/ledger.md are true: every `name = value` line the examples
compute here appears in the document exactly (run this file as a script to print them)."""

from __future__ import annotations

import base64
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import merkle, tiles
from ledger.chain import GENESIS, canonical_bytes, event_hash
from ledger.checkpoint import key_hash, public_bytes, sign_checkpoint, verifier_key
from ledger.cosignature import cosign, cosigner_key, cosigner_key_hash

DOC = Path(__file__).parents[2] / "docs" / "ledger.md"
OID = UUID("6f1c5e2a-8d3b-4c7e-9a1f-2b3c4d5e6f70")
TOPIC = "domain.clip:Clip.ClipViewed"
STATES = [b'{"n":%d}' % i for i in range(5)]  # five events of one stream, versions 1..5
SEED = bytes(range(32))  # the example key's seed: 00 01 02 ... 1f (never use a known seed!)
WITNESS_SEED = bytes(range(32, 64))  # the example witness's: 20 21 ... 3f


def examples() -> dict[str, str]:
    out: dict[str, str] = {}
    raw = canonical_bytes(GENESIS, OID, 1, TOPIC, STATES[0])
    out["canonical_bytes_v1"] = raw.hex()
    prev, hashes = GENESIS, []
    for version, state in enumerate(STATES, start=1):
        prev = event_hash(prev, OID, version, TOPIC, state)
        hashes.append(prev)
        out[f"event_hash_v{version}"] = prev.hex()
    leaves = [merkle.hash_leaf(h) for h in hashes]
    for i, leaf in enumerate(leaves):
        out[f"leaf_{i}"] = leaf.hex()
    out["node_1_0"] = merkle.hash_children(leaves[0], leaves[1]).hex()
    out["node_1_1"] = merkle.hash_children(leaves[2], leaves[3]).hex()
    out["node_2_0"] = merkle.hash_children(
        bytes.fromhex(out["node_1_0"]), bytes.fromhex(out["node_1_1"])
    ).hex()
    source = merkle.memory_source(leaves)
    for size in (3, 5):
        out[f"root_{size}"] = merkle.root(size, source).hex()
    out["empty_root"] = merkle.EMPTY_ROOT.hex()
    out["inclusion_2_of_5"] = ",".join(p.hex() for p in merkle.inclusion_proof(2, 5, source))
    out["consistency_3_to_5"] = ",".join(p.hex() for p in merkle.consistency_proof(3, 5, source))
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    name = "saksi.local/archive"
    out["public_key"] = public_bytes(key.public_key()).hex()
    out["key_hash"] = key_hash(name, public_bytes(key.public_key())).hex()
    out["verifier_key"] = verifier_key(name, key.public_key())
    cp = sign_checkpoint(name, 5, bytes.fromhex(out["root_5"]), key)
    out["root_5_base64"] = base64.b64encode(cp.root).decode()
    out["signature_line"] = cp.note.splitlines()[-1]
    # Witnesses (§10): a cosignature of that checkpoint, and where the tree's tiles are.
    witness = Ed25519PrivateKey.from_private_bytes(WITNESS_SEED)
    wname = "kejaksaan.example/witness"
    out["witness_key_hash"] = cosigner_key_hash(wname, public_bytes(witness.public_key())).hex()
    out["witness_verifier_key"] = cosigner_key(wname, witness.public_key())
    out["cosignature_line"] = cosign(cp.body(), wname, witness, 1700000000).rstrip("\n")
    out["tile_path_1234067"] = tiles.tile_path(0, 1234067)
    out["tiles_of_5"] = ",".join(tiles.tile_path(*t) for t in tiles.tiles_of(5))
    out["tiles_of_70000_partial"] = ",".join(
        tiles.tile_path(*t) for t in tiles.tiles_of(70000) if t[2] != tiles.TILE_WIDTH
    )
    return out


def test_every_worked_example_in_the_document_is_true() -> None:
    text = DOC.read_text()
    missing = [f"{k} = {v}" for k, v in examples().items() if f"{k} = {v}" not in text]
    assert not missing, "docs/ledger.md lacks or misstates:\n" + "\n".join(missing)


if __name__ == "__main__":
    for k, v in examples().items():
        print(f"{k} = {v}")


def test_the_documented_re_implementation_of_the_event_hash_agrees() -> None:
    text = DOC.read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, object] = {}
    exec(code, scope)
    rehash = scope["event_hash"]
    assert callable(rehash)
    assert rehash(GENESIS, OID.bytes, 1, TOPIC, STATES[0]).hex() == examples()["event_hash_v1"]
