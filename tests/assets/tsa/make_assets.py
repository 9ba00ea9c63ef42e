"""How the golden time-stamp tokens here were made (run once; the outputs are kept as they are).

    PYTHONPATH=. .venv/bin/python tests/assets/tsa/make_assets.py tests/assets/tsa

A throwaway CA and TSA per key type, made with Debian's openssl, answered a TimeStampReq
built by `archive.ledger.timestamp.timestamp_request` over the bytes of `checkpoint.note`
(the worked example of docs/ledger.md §3): RSA with an ESS signing-certificate v2 (SHA-256),
and ECDSA P-256 with the v1 attribute (SHA-1). `expected.json` holds what each token says.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from archive.ledger.timestamp import timestamp_request, token_from_response, verify_timestamp

from tests.support.tsa import make_ca, make_tsa_cert, reply

NOTE = (
    "saksi.local/archive\n5\nDSwkJw0wPZGvD6YUqHQC6Y6VNBKBCunCJ38WipqUBLs=\n\n"
    "— saksi.local/archive xVPFZ7hmT3AK/u2ENDpq2hH2uzDE0Jw/keWiEd+AWGrJMkFU3IgC3kLA0uCCiBo1"
    "ezQEElo21XEJwlax97TD4nc8fwM=\n"
)
NONCE = 0x5A4B5349_54534131


def main(out: Path) -> None:
    data = NOTE.encode("utf-8")
    (out / "checkpoint.note").write_bytes(data)
    expected = {}
    for kind, ess in (("rsa", "sha256"), ("ec", "sha1")):
        work = Path(tempfile.mkdtemp())
        make_ca(work, f"{kind}-root", kind)
        make_tsa_cert(work, f"{kind}-tsa", f"{kind}-root", kind, ess)
        query = timestamp_request(hashlib.sha256(data).digest(), NONCE)
        token = token_from_response(reply(work, f"{kind}-tsa", query))
        (out / f"{kind}-token.tst").write_bytes(token)
        shutil.copy(work / f"{kind}-root.pem", out / f"{kind}-root.pem")
        shutil.copy(work / f"{kind}-tsa.pem", out / f"{kind}-tsa.pem")
        stamp = verify_timestamp(token, data, nonce=NONCE)
        expected[kind] = {**stamp.as_json(), "nonce": NONCE, "imprint": stamp.info.imprint.hex()}
        shutil.rmtree(work)
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
