"""A syslog receiver for tests: RFC 5424 messages over TCP with octet-counting framing
(RFC 6587), each stored as one line of a file before the next is read.

Run as its own process (`python -m tests.support.syslog_receiver PORT FILE [--die-after N]
[--tls CERT KEY]`, TLS as RFC 5425 has it)
so a test can lose it the hard way: with --die-after it kills itself (SIGKILL, no clean-up)
right after storing its Nth message, with the rest of the batch unread. One connection at a
time, as the feed sends; it closes its side when the sender has closed its own.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import sys


def read_exactly(conn: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(conn: socket.socket) -> bytes | None:
    """`LEN SP MSG`; reads the length a byte at a time so nothing past this frame is taken."""
    digits = b""
    while (c := conn.recv(1)) != b" ":
        if not c or not c.isdigit() or len(digits) > 8:
            return None
        digits += c
    return read_exactly(conn, int(digits))


def serve(port: int, out_path: str, die_after: int | None, tls: ssl.SSLContext | None) -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(8)
    print("ready", flush=True)
    stored = 0
    with open(out_path, "ab") as out:
        while True:
            conn, _ = server.accept()
            if tls is not None:
                try:
                    conn = tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):  # a client that does not trust us: next one
                    conn.close()
                    continue
            with conn:
                while (frame := read_frame(conn)) is not None:
                    out.write(frame + b"\n")
                    out.flush()
                    stored += 1
                    if die_after is not None and stored >= die_after:
                        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    args = sys.argv[1:]
    die = int(args[args.index("--die-after") + 1]) if "--die-after" in args else None
    context = None
    if "--tls" in args:
        at = args.index("--tls")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args[at + 1], args[at + 2])
    serve(int(args[0]), args[1], die, context)
