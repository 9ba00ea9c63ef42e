"""The standalone verifier's command line (`python3 verify_package.py PACKAGE.zip`).

Exit codes as `saksi verify`: 0 verified, 1 a check failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cryptography import x509

from ledger.checkpoint import CheckpointError, parse_verifier_key
from ledger.cosignature import CosignatureError, Cosigner, parse_cosigner_key
from ledger.package.report import describe
from ledger.package.verify import verify_package


def key_argument(value: str) -> str:
    """`--key`: a verifier key, or a file holding one."""
    try:
        parse_verifier_key(value)
        return value.strip()
    except CheckpointError:
        path = Path(value)
        if path.is_file() and path.stat().st_size < 4096:
            return path.read_text(encoding="ascii", errors="replace").strip()
        raise


def witness_arguments(values: list[str], minimum: int | None) -> tuple[list[Cosigner], int]:
    """`--witness KEY` (repeatable; a key or a file holding one) and `--min-witnesses K`
    (default: every given witness). ValueError says what is wrong."""
    cosigners = []
    for value in values:
        try:
            cosigners.append(parse_cosigner_key(value))
        except CosignatureError:
            path = Path(value)
            if not (path.is_file() and path.stat().st_size < 4096):
                raise
            cosigners.append(parse_cosigner_key(path.read_text(encoding="ascii", errors="replace")))
    needed = len(cosigners) if minimum is None else minimum
    if needed < 0 or needed > len(cosigners):
        raise ValueError(
            f"--min-witnesses {needed}: give at least that many --witness keys "
            f"(got {len(cosigners)})"
        )
    return cosigners, needed


def tsa_ca_argument(value: str) -> list[x509.Certificate]:
    """`--tsa-ca`: a PEM file of the CA certificate(s) a timestamp's TSA must chain to."""
    path = Path(value)
    if not path.is_file() or path.stat().st_size > 1 << 20:
        raise ValueError(f"no PEM file {value}")
    found = x509.load_pem_x509_certificates(path.read_bytes())
    return found


def main(argv: list[str] | None = None) -> int:
    """The standalone verifier's command line: exit 0 verified, 1 a problem, 2 bad input."""
    parser = argparse.ArgumentParser(description="Verify a Saksi evidence package offline.")
    parser.add_argument("package", help="the package (.zip)")
    parser.add_argument("--key", help="the archive's verifier key (or a file holding it)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--tsa-ca", help="PEM file: the CA(s) the timestamp's TSA must chain to")
    parser.add_argument(
        "--witness", action="append", default=[], help="a witness's key (or file), repeatable"
    )
    parser.add_argument(
        "--min-witnesses", type=int, help="cosignatures required (default: every --witness)"
    )
    args = parser.parse_args(argv)
    if not Path(args.package).is_file():
        print(f"error: no such file: {args.package}", file=sys.stderr)
        return 2
    try:
        tsa_ca = tsa_ca_argument(args.tsa_ca) if args.tsa_ca is not None else None
    except ValueError as e:
        print(f"error: --tsa-ca: {e}", file=sys.stderr)
        return 2
    try:
        witnesses, needed = witness_arguments(args.witness, args.min_witnesses)
    except ValueError as e:
        print(f"error: --witness: {e}", file=sys.stderr)
        return 2
    try:
        key = key_argument(args.key) if args.key is not None else None
        report = verify_package(
            Path(args.package), key, tsa_ca=tsa_ca, witnesses=witnesses, min_witnesses=needed
        )
    except CheckpointError as e:
        print(f"error: --key: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_json(), indent=2) if args.json else describe(report))
    return 0 if report.ok else 1
