"""RFC 9162 Merkle hashing and proofs, checked against a public implementation's vectors.

Vectors: transparency-dev/merkle (https://github.com/transparency-dev/merkle), its
`testdata/inclusion/**` and `testdata/consistency/**` files and the RFC 6962 reference tree of
`testonly/constants.go` / `proof/verify_test.go`; copies and commits in tests/assets/merkle/.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import merkle
from ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    TreeBuilder,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    memory_source,
    verify_consistency,
    verify_inclusion,
)

ASSETS = Path(__file__).parents[1] / "assets" / "merkle"
REFERENCE = json.loads((ASSETS / "rfc6962_reference_tree.json").read_text())
LEAVES = [hash_leaf(bytes.fromhex(x)) for x in REFERENCE["leaf_inputs"]]
ROOTS = [bytes.fromhex(x) for x in REFERENCE["roots_by_size"]]


def vector_files(kind: str) -> list[Path]:
    return sorted((ASSETS / "transparency-dev" / kind).rglob("*.json"))


def b64(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(v) for v in values or []]


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert ROOTS[0] == EMPTY_ROOT
    assert merkle.subtree_root([]) == ROOTS[0]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_reference_tree_match(size: int) -> None:
    assert merkle.subtree_root(LEAVES[:size]) == ROOTS[size]
    assert merkle.root(size, memory_source(LEAVES)) == ROOTS[size]


def test_every_perfect_node_of_the_reference_tree_matches() -> None:
    source = memory_source(LEAVES)
    for level, hashes in enumerate(REFERENCE["node_hashes_by_level"]):
        got = source([(level, i) for i in range(len(hashes))])
        assert [got[(level, i)].hex() for i in range(len(hashes))] == hashes


def test_the_tree_builder_completes_exactly_the_reference_nodes() -> None:
    builder, completed = TreeBuilder(), {}
    for h in LEAVES:
        for level, index, node in builder.append(h):
            completed[(level, index)] = node.hex()
    expected = {
        (level, i): h
        for level, hashes in enumerate(REFERENCE["node_hashes_by_level"])
        for i, h in enumerate(hashes)
        if level > 0
    }
    assert completed == expected
    assert builder.root() == ROOTS[8]


@pytest.mark.parametrize("case", REFERENCE["inclusion_proofs"], ids=lambda c: str(c))
def test_inclusion_proofs_match_the_reference(case: dict) -> None:
    index, size = case["leaf"] - 1, case["size"]
    proof = inclusion_proof(index, size, memory_source(LEAVES))
    assert [p.hex() for p in proof] == case["proof"]
    verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])


@pytest.mark.parametrize("case", REFERENCE["consistency_proofs"], ids=lambda c: str(c))
def test_consistency_proofs_match_the_reference(case: dict) -> None:
    old, new = case["size1"], case["size2"]
    proof = consistency_proof(old, new, memory_source(LEAVES))
    assert [p.hex() for p in proof] == case["proof"]
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize(
    "path", vector_files("inclusion"), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_inclusion_vectors_pass_or_fail_as_published(path: Path) -> None:
    v = json.loads(path.read_text())
    args = (v["leafIdx"], v["treeSize"], base64.b64decode(v["leafHash"]), b64(v["proof"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args, base64.b64decode(v["root"]))
    else:
        verify_inclusion(*args, base64.b64decode(v["root"]))


@pytest.mark.parametrize(
    "path", vector_files("consistency"), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_consistency_vectors_pass_or_fail_as_published(path: Path) -> None:
    v = json.loads(path.read_text())
    args = (
        v["size1"],
        v["size2"],
        base64.b64decode(v["root1"]),
        base64.b64decode(v["root2"]),
        b64(v["proof"]),
    )
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_the_vector_files_hold_both_passing_and_failing_cases() -> None:
    wanted = [json.loads(p.read_text())["wantErr"] for p in vector_files("")]
    assert len(wanted) >= 30 and wanted.count(False) == 10


# --- our rule for consistency from size 0 -------------------------------------------------


def test_every_tree_is_consistent_with_the_empty_tree_by_an_empty_proof() -> None:
    assert consistency_proof(0, 8, memory_source(LEAVES)) == []
    verify_consistency(0, 8, EMPTY_ROOT, ROOTS[8], [])


def test_a_proof_from_size_0_must_be_empty_and_start_from_the_empty_root() -> None:
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(0, 8, EMPTY_ROOT, ROOTS[8], [ROOTS[1]])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 8, ROOTS[1], ROOTS[8], [])


def test_a_tree_cannot_shrink() -> None:
    with pytest.raises(ProofError):
        verify_consistency(5, 4, ROOTS[5], ROOTS[4], [])
    with pytest.raises(ValueError):
        consistency_proof(5, 4, memory_source(LEAVES))


def test_inclusion_in_an_empty_tree_or_past_its_end_fails() -> None:
    with pytest.raises(ProofError):
        verify_inclusion(0, 0, LEAVES[0], [], EMPTY_ROOT)
    with pytest.raises(ProofError):
        verify_inclusion(8, 8, LEAVES[0], [], ROOTS[8])


# --- generated against verified, for many shapes of tree ------------------------------------


def leaves(n: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(4, "big")) for i in range(n)]


def test_all_proofs_of_trees_up_to_40_leaves_verify_and_are_at_most_log_n_long() -> None:
    hs = leaves(40)
    source = memory_source(hs)
    roots = [merkle.subtree_root(hs[:n]) for n in range(41)]
    for n in range(1, 41):
        for m in range(n):
            proof = inclusion_proof(m, n, source)
            assert len(proof) <= (n - 1).bit_length()
            verify_inclusion(m, n, hs[m], proof, roots[n])
        for m in range(n + 1):
            proof = consistency_proof(m, n, source)
            assert len(proof) <= (n - 1).bit_length() + 1
            verify_consistency(m, n, roots[m], roots[n], proof)


@given(st.integers(2, 300), st.data())
def test_a_proof_for_one_leaf_does_not_prove_another(n: int, data: st.DataObject) -> None:
    hs = leaves(n)
    m = data.draw(st.integers(0, n - 1))
    other = data.draw(st.integers(0, n - 1).filter(lambda x: x != m))
    proof = inclusion_proof(m, n, memory_source(hs))
    with pytest.raises(ProofError):
        verify_inclusion(other, n, hs[m], proof, merkle.subtree_root(hs))


@given(st.integers(1, 300), st.data())
def test_a_changed_leaf_breaks_consistency(n: int, data: st.DataObject) -> None:
    hs = leaves(n + 5)
    m = data.draw(st.integers(1, n))
    forged = list(hs)
    forged[data.draw(st.integers(0, m - 1))] = hash_leaf(b"forged")
    proof = consistency_proof(m, n + 5, memory_source(hs))
    with pytest.raises(ProofError):
        verify_consistency(
            m, n + 5, merkle.subtree_root(forged[:m]), merkle.subtree_root(hs), proof
        )


def test_the_edge_of_a_tree_is_one_perfect_node_per_bit_of_its_size() -> None:
    assert merkle.edge_nodes(6) == [(2, 0), (1, 2)]
    assert merkle.edge_nodes(8) == [(3, 0)]
    assert merkle.edge_nodes(0) == []
    hs = leaves(13)
    source = memory_source(hs)
    edge = source(merkle.edge_nodes(13))
    builder = TreeBuilder(13, [edge[n] for n in merkle.edge_nodes(13)])
    for h in leaves(20)[13:]:
        builder.append(h)
    assert builder.root() == merkle.subtree_root(leaves(20))
