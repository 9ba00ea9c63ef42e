"""Finding 3 of issue 18: the RFC 3161 verifier validates the TSA's certificate path, not
just who signed what. Chains are crafted with Debian's openssl (tokens by `openssl ts
-reply`) under one trusted root; each is checked by `ledger.timestamp` and by `openssl ts
-verify`, which must agree on every token.

- leaf_as_intermediate: an end-entity certificate the root issued (a TSA certificate itself)
  signs a "TSA certificate" of its own, carried in the token;
- no_keycertsign: an intermediate marked CA whose key usage does not allow signing
  certificates;
- path_too_long: an intermediate limited to pathlen 0 issues another CA, which issues the TSA;
- good: root -> intermediate (pathlen 0) -> TSA, the shape real TSAs use.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from ledger.timestamp import (
    TimestampError,
    timestamp_request,
    token_from_response,
    verify_timestamp,
)
from tests.support.tsa import TS_CONFIG, TSA_EXTENSIONS, openssl

DATA = b"saksi.local/archive\n42\nq6xq1dBUmAzqWqXbwH8bQEHm2l2cJmqLjiQ+ZoFC8HU=\n"
ROOT = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
CA = (
    "basicConstraints=critical,CA:TRUE{pathlen}\nkeyUsage=critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
)
NOT_A_SIGNER_CA = (
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n"
    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
)
# name -> the path below the root, issuer first: (certificate, its extensions)
CHAINS: dict[str, list[tuple[str, str]]] = {
    "good": [("good-ca", CA.format(pathlen=",pathlen:0")), ("good-tsa", TSA_EXTENSIONS)],
    "leaf_as_intermediate": [("eve-tsa", TSA_EXTENSIONS), ("eve-forged", TSA_EXTENSIONS)],
    "no_keycertsign": [("nks-ca", NOT_A_SIGNER_CA), ("nks-tsa", TSA_EXTENSIONS)],
    "path_too_long": [
        ("long-ca1", CA.format(pathlen=",pathlen:0")),
        ("long-ca2", CA.format(pathlen="")),
        ("long-tsa", TSA_EXTENSIONS),
    ],
}


def _certificate(folder: Path, name: str, issuer: str, extensions: str) -> None:
    (folder / f"{name}.ext").write_text(extensions)
    openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder,
    )  # fmt: skip
    signer = ["-signkey", f"{name}.key"] if issuer == name else [
        "-CA", f"{issuer}.pem", "-CAkey", f"{issuer}.key", "-CAcreateserial"]  # fmt: skip
    openssl(
        "x509", "-req", "-in", f"{name}.csr", *signer, "-days", "3650",
        "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=folder,
    )  # fmt: skip


def _token(folder: Path, tsa: str, carried: list[str]) -> bytes:
    """A token by `openssl ts -reply` as `tsa`, carrying these certificates."""
    (folder / f"{tsa}-chain.pem").write_text(
        "".join((folder / f"{c}.pem").read_text() for c in carried)
    )
    config = (
        TS_CONFIG.format(name=tsa, folder=folder, ess="sha256") + f"certs = $dir/{tsa}-chain.pem\n"
    )
    (folder / f"{tsa}.cnf").write_text(config)
    (folder / f"serial-{tsa}").write_text("01\n")
    (folder / "query.tsq").write_bytes(timestamp_request(hashlib.sha256(DATA).digest(), 7))
    response = openssl(
        "ts", "-reply", "-queryfile", "query.tsq", "-config", f"{tsa}.cnf", "-section", tsa,
        "-out", "-", cwd=folder,
    )  # fmt: skip
    return token_from_response(response)


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, bytes]]]:
    folder = tmp_path_factory.mktemp("chains")
    _certificate(folder, "root", "root", ROOT)
    (folder / "data.bin").write_bytes(DATA)
    made = {}
    for chain, path in CHAINS.items():
        issuer = "root"
        for name, extensions in path:
            _certificate(folder, name, issuer, extensions)
            issuer = name
        names = [name for name, _ in path]
        made[chain] = _token(folder, names[-1], names)
        (folder / f"{chain}.tst").write_bytes(made[chain])
    yield folder, made


def _ours(folder: Path, token: bytes) -> bool:
    trusted = x509.load_pem_x509_certificates((folder / "root.pem").read_bytes())
    try:
        verify_timestamp(token, DATA, trusted=trusted, nonce=7)
    except TimestampError as e:
        assert e.kind == "timestamp_certificate", e
        return False
    return True


def _openssl(folder: Path, chain: str) -> bool:
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-token_in", "-in", f"{chain}.tst", "-data", "data.bin",
         "-CAfile", "root.pem"],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.returncode == 0 and "Verification: OK" in done.stdout


@pytest.mark.parametrize("chain", ["leaf_as_intermediate", "no_keycertsign", "path_too_long"])
def test_a_crafted_chain_is_refused(tokens: tuple[Path, dict[str, bytes]], chain: str) -> None:
    folder, made = tokens
    assert not _ours(folder, made[chain])


def test_a_proper_chain_through_an_intermediate_is_accepted(
    tokens: tuple[Path, dict[str, bytes]],
) -> None:
    folder, made = tokens
    assert _ours(folder, made["good"])


def test_openssl_ts_verify_agrees_on_every_token(tokens: tuple[Path, dict[str, bytes]]) -> None:
    folder, made = tokens
    verdicts = {
        chain: (_ours(folder, token), _openssl(folder, chain)) for chain, token in made.items()
    }
    assert all(ours == theirs for ours, theirs in verdicts.values()), verdicts
    assert verdicts["good"] == (True, True)
