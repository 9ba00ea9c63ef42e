"""A local RFC 3161 time-stamping authority: Debian's `openssl ts -reply` behind a loopback
HTTP server, with a throwaway CA and TSA certificate made in a temporary folder.

`LocalTsa.mode` decides how it answers: "ok" (a real token), "garbage" (200 and bytes that
are no TimeStampResp), "error" (HTTP 500), "reject" (a TimeStampResp with status rejection),
"foreign" (a real token signed by a second TSA certificate that no trusted CA issued).
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ledger.der import DER_SEQUENCE, DER_UTF8_STRING, der_encode, der_encode_int

TSA_EXTENSIONS = (
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n"
    "authorityKeyIdentifier=keyid\n"
)

TS_CONFIG = """\
[ {name} ]
dir = {folder}
serial = $dir/serial-{name}
crypto_device = builtin
signer_cert = $dir/{name}.pem
signer_key = $dir/{name}.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = {ess}
"""


def openssl(*args: str, cwd: Path) -> bytes:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def make_ca(folder: Path, name: str, key: str = "rsa") -> None:
    """A self-signed root: NAME.key, NAME.pem."""
    openssl(
        "req", "-x509", *_newkey(key), "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
        "-days", "3650", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip


def make_tsa_cert(folder: Path, name: str, ca: str, key: str = "rsa", ess: str = "sha256") -> None:
    """A TSA certificate issued by CA (critical EKU timeStamping) and its `openssl ts` config."""
    (folder / f"{name}.ext").write_text(TSA_EXTENSIONS)
    openssl(
        "req", *_newkey(key), "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
        "-subj", f"/CN={name}",
        cwd=folder,
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
        "-CAcreateserial", "-out", f"{name}.pem", "-days", "3650", "-extfile", f"{name}.ext",
        cwd=folder,
    )  # fmt: skip
    (folder / f"serial-{name}").write_text("01\n")
    (folder / f"{name}.cnf").write_text(TS_CONFIG.format(name=name, folder=folder, ess=ess))


def _newkey(key: str) -> list[str]:
    if key == "ec":
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    return ["-newkey", "rsa:2048"]


def reply(folder: Path, name: str, query: bytes) -> bytes:
    """`openssl ts -reply` to a TimeStampReq, as TSA `name` (one at a time: see `answer`)."""
    query_file = folder / "query.tsq"
    query_file.write_bytes(query)
    return openssl(
        "ts", "-reply", "-queryfile", query_file.name, "-config", f"{name}.cnf",
        "-section", name, "-out", "-",
        cwd=folder,
    )  # fmt: skip


def rejection(text: str) -> bytes:
    status = der_encode(
        DER_SEQUENCE,
        der_encode_int(2) + der_encode(DER_SEQUENCE, der_encode(DER_UTF8_STRING, text.encode())),
    )
    return der_encode(DER_SEQUENCE, status)


@dataclass
class LocalTsa:
    folder: Path
    mode: str = "ok"
    requests: int = 0
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/tsa"

    @property
    def ca(self) -> Path:
        """The trusted root (SAKSI_TSA_CA)."""
        return self.folder / "root.pem"

    def answer(self, query: bytes) -> tuple[int, bytes]:
        with self.lock:  # openssl's serial file is not safe to share between runs
            self.requests += 1
            if self.mode == "garbage":
                return 200, b"<html>not a time-stamp response</html>"
            if self.mode == "error":
                return 500, b"internal error"
            if self.mode == "reject":
                return 200, rejection("policy not accepted")
            return 200, reply(self.folder, "stranger" if self.mode == "foreign" else "tsa", query)

    def start(self) -> LocalTsa:
        make_ca(self.folder, "root")
        make_tsa_cert(self.folder, "tsa", "root")
        make_ca(self.folder, "other-root")
        make_tsa_cert(self.folder, "stranger", "other-root")
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                query = self.rfile.read(size)
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    status, body = 415, b"want application/timestamp-query"
                else:
                    status, body = tsa.answer(query)
                self.send_response(status)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
