"""Where the custody feed goes: syslog (RFC 5424 over TCP, TLS optional) and an HTTPS webhook.

Each sink delivers one batch of JSON lines or raises SinkUnavailable; the feed moves its
stored position only after a batch is acknowledged, so an outage resends, never skips.

- Syslog: one connection per batch, each message framed by octet counting (RFC 6587 §3.4.1,
  the framing RFC 5425 requires over TLS). Plain syslog has no acknowledgment, so the batch
  ends with our half-close and counts as delivered only when the receiver, having read to our
  end, closes its own side; a receiver that dies with bytes unread resets the connection
  instead, and the batch is sent again. Facility 13 (log audit); severity warning for
  refusals, informational otherwise; MSGID is the event's type.
- Webhook: the batch as one NDJSON body (`application/x-ndjson`), acknowledged by any 2xx.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

FACILITY_LOG_AUDIT = 13
SEVERITY = {"failure": 4, "success": 6}  # warning, informational


class SinkUnavailable(Exception):
    """The receiver did not acknowledge the batch; nothing is assumed delivered."""


@dataclass(frozen=True)
class Record:
    doc: dict[str, Any]  # the ECS document (archive/ops/feed_ecs.py)
    line: str  # the same, as one line of JSON


class Sink(Protocol):
    def deliver(self, records: Sequence[Record]) -> None: ...


def syslog_frame(record: Record, hostname: str) -> bytes:
    event = record.doc["event"]
    pri = FACILITY_LOG_AUDIT * 8 + SEVERITY[event["outcome"]]
    msgid = "".join(c for c in event["action"] if 33 <= ord(c) <= 126)[:32] or "-"
    message = f"<{pri}>1 {record.doc['@timestamp']} {hostname} saksi - {msgid} - {record.line}"
    data = message.encode()  # the line is ASCII JSON: no BOM needed
    return f"{len(data)} ".encode() + data


class SyslogSink:
    def __init__(self, url: str, timeout: float, ca: Path | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("tcp", "tls") or not parts.hostname or not parts.port:
            raise ValueError("expected tcp://HOST:PORT or tls://HOST:PORT")
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.tls = ssl.create_default_context(cafile=ca) if parts.scheme == "tls" else None
        self.hostname = _printable(socket.gethostname())[:255] or "-"

    def deliver(self, records: Sequence[Record]) -> None:
        data = b"".join(syslog_frame(r, self.hostname) for r in records)
        try:
            with socket.create_connection((self.host, self.port), self.timeout) as raw:
                sock = self.tls.wrap_socket(raw, server_hostname=self.host) if self.tls else raw
                with sock:
                    sock.sendall(data)
                    # Our end (for TLS, of the TCP stream below it): the receiver reads to here
                    # and then closes its side; whatever it sends meanwhile is ignored.
                    sock.shutdown(socket.SHUT_WR)
                    while sock.recv(4096):
                        pass
        except (OSError, ssl.SSLError) as e:
            raise SinkUnavailable(f"syslog {self.host}:{self.port}: {_reason(e)}") from None


class WebhookSink:
    def __init__(
        self, url: str, timeout: float, ca: Path | None = None, token: str | None = None
    ) -> None:
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("expected https://... (http:// only on loopback)")
        self.url, self.timeout, self.token = url, timeout, token
        self.verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca) if ca else True

    def deliver(self, records: Sequence[Record]) -> None:
        headers = {"Content-Type": "application/x-ndjson"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = "".join(r.line + "\n" for r in records).encode()
        try:
            response = httpx.post(
                self.url, content=body, headers=headers, timeout=self.timeout, verify=self.verify
            )
        except httpx.HTTPError as e:
            raise SinkUnavailable(f"webhook: {type(e).__name__}") from None
        if not response.is_success:
            raise SinkUnavailable(f"webhook answered {response.status_code}")


def _printable(text: str) -> str:
    return "".join(c for c in text if 33 <= ord(c) <= 126)


def _reason(e: BaseException) -> str:
    return getattr(e, "strerror", None) or type(e).__name__
