"""Receiving a multipart upload: streamed to one temporary file, hashed and sniffed on arrival.

The recording never sits whole in memory: parts are parsed as the body arrives (python-
multipart), the file part goes to disk in ~1 MiB writes done off the event loop, and its
SHA-256 is computed in the same pass. A client that goes quiet for `upload_idle_s` is cut off.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import anyio
from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.http.limits import MIB, HttpLimits
from archive.errors import InvalidInput
from archive.ingest.uploads import SNIFF_BYTES, check_head

MAX_FIELDS = 10
MAX_FIELD_BYTES = 4096
FILE_FIELD = "file"


@dataclass
class Received:
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    sha256: str = ""
    size: int = 0


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


class _Spool:
    """The file part's bytes: sniffed at the start, hashed and written in large pieces."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.pending = bytearray()
        self.size = 0
        self.sniffed = False

    def add(self, data: bytes) -> None:
        self.pending += data
        self.size += len(data)
        if not self.sniffed and len(self.pending) >= SNIFF_BYTES:
            check_head(bytes(self.pending[:SNIFF_BYTES]))
            self.sniffed = True

    def flush(self) -> None:
        if not self.sniffed and self.pending:  # a file shorter than the sniffing window
            check_head(bytes(self.pending))
            self.sniffed = True
        self.digest.update(self.pending)
        self.out.write(self.pending)
        self.pending = bytearray()


def _safe_name(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(filename).name)[:100].lstrip(".")
    return name or "upload"


async def receive_upload(request: Request, folder: Path, limits: HttpLimits) -> Received:
    """Parse the multipart body into text fields and one spooled file under `folder`."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise InvalidInput("send the recording as multipart/form-data")
    got = Received()
    part = _Part()
    spool: _Spool | None = None
    out: BinaryIO | None = None
    header = {"name": b"", "value": b"", "disposition": b""}
    ended = False

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()
        header["disposition"] = b""

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        if header["name"].lower() == b"content-disposition":
            header["disposition"] = header["value"]
        header["name"] = header["value"] = b""

    def on_headers_finished() -> None:
        nonlocal spool, out
        _, options = parse_options_header(header["disposition"])
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if part.name == FILE_FIELD:
            if got.path is not None:
                raise InvalidInput("send one file per upload")
            filename = options.get(b"filename", b"upload").decode("utf-8", "replace")
            got.path = folder / _safe_name(filename)
            out = open(got.path, "wb")  # noqa: SIM115 - closed in the finally below
            spool = _Spool(out)
            part.is_file = True
        elif len(got.fields) >= MAX_FIELDS:
            raise InvalidInput(f"at most {MAX_FIELDS} form fields")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.is_file:
            assert spool is not None
            spool.add(data[start:end])
        else:
            part.data += data[start:end]
            if len(part.data) > MAX_FIELD_BYTES:
                raise InvalidInput(f"form field {part.name!r} is over {MAX_FIELD_BYTES} bytes")

    def on_part_end() -> None:
        if not part.is_file:
            got.fields[part.name] = part.data.decode("utf-8", "replace")

    def on_end() -> None:
        nonlocal ended
        ended = True

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_end": on_end,
        },
    )
    try:
        chunks = request.stream().__aiter__()
        while True:
            with anyio.move_on_after(limits.upload_idle_s) as idle:
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    break
            if idle.cancelled_caught:
                raise InvalidInput(f"the upload stalled for {limits.upload_idle_s:.0f} s")
            parser.write(chunk)
            if spool is not None and len(spool.pending) >= MIB:
                await anyio.to_thread.run_sync(spool.flush)
        parser.finalize()
        if spool is not None:
            await anyio.to_thread.run_sync(spool.flush)
    except MultipartParseError:
        raise InvalidInput("the multipart body is malformed") from None
    finally:
        if out is not None:
            out.close()
    if not ended:
        raise InvalidInput("the multipart body ended early")
    if spool is None or spool.size == 0:
        raise InvalidInput("the upload has no recording: send it in the 'file' part")
    got.sha256, got.size = spool.digest.hexdigest(), spool.size
    return got
