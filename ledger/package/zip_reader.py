"""Reading an evidence package's zip without trusting it and without extracting it.

Nothing is ever written to disk: member names are checked as text (never used as paths),
sizes are bounded before anything is read, and members are read as streams. A STORED member
(how Saksi writes clips) is read straight from its byte range in the file, so the only pass
over a clip is the SHA-256 the verifier needs anyway (zipfile would add a CRC-32 pass).
Every way a hostile zip can fail is raised as `PackageError(kind, detail)`.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

MAX_MEMBERS = 10_000
MAX_SMALL = 1024 * 1024  # the default; callers name the limit of the kind of file they read
CHUNK = 4 * 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
_DRIVE = re.compile(r"^[A-Za-z]:")
# What a broken or hostile zip raises from the standard library while it is read.
READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unknown compression method
    zlib.error,
    struct.error,
    OverflowError,
    MemoryError,
)

ProgressFn = Callable[[int], None]


class PackageError(Exception):
    """A member (or the whole zip) cannot be read as the package says it is."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def unsafe_name(name: str) -> str | None:
    """Why a member name could not be a package path (None if it could): absolute, a drive,
    backslashes, `..`/`.`/empty segments, control characters. Such names are reported, and
    since nothing is extracted they never reach the file system."""
    if not name or len(name) > 255:
        return "empty or longer than 255 characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "holds control characters"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "is an absolute path"
    if "\\" in name:
        return "holds a backslash"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "holds an empty, '.' or '..' segment (path traversal)"
    return None


class ZipPackage:
    """A zip opened for verification; members are looked up by their exact, unique names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._raw = open(path, "rb", buffering=0)  # noqa: SIM115 (closed in close)
        except OSError as e:
            raise PackageError("unreadable", f"{path}: {e.strerror or e}") from None
        try:
            self.size = self._raw.seek(0, 2)
            self.zip = zipfile.ZipFile(self._raw)
        except READ_ERRORS as e:
            self._raw.close()
            raise PackageError("not_a_package", f"not a readable zip file ({e})") from None
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            self.close()
            raise PackageError(
                "too_large", f"{len(infos)} members; a package has at most {MAX_MEMBERS}"
            )
        counts = Counter(i.filename for i in infos)
        self.duplicates = sorted(n for n, c in counts.items() if c > 1)
        self.unsafe = {i.filename: why for i in infos if (why := unsafe_name(i.filename))}
        self.members = {i.filename: i for i in infos if counts[i.filename] == 1}

    def __enter__(self) -> ZipPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()
        self._raw.close()

    def names(self) -> list[str]:
        return [i.filename for i in self.zip.infolist()]

    def _info(self, name: str) -> zipfile.ZipInfo:
        if name in self.duplicates:
            raise PackageError("duplicate_name", f"{name} is in the zip more than once")
        info = self.members.get(name)
        if info is None:
            raise PackageError("missing_file", f"{name} is not in the package")
        return info

    def read_small(self, name: str, limit: int = MAX_SMALL) -> bytes:
        """A whole member of at most `limit` bytes (its declared and its real size)."""
        info = self._info(name)
        if info.file_size > limit:
            raise PackageError(
                "too_large", f"{name} declares {info.file_size} bytes (limit {limit})"
            )
        try:
            with self.zip.open(info) as src:
                data = src.read(limit + 1)
        except READ_ERRORS as e:
            raise PackageError("unreadable", f"{name}: {e}") from None
        if len(data) > limit:
            raise PackageError("too_large", f"{name} holds more than {limit} bytes")
        return data

    def hash_member(self, name: str, size: int, progress: ProgressFn | None = None) -> str:
        """SHA-256 of a member expected to hold `size` bytes; a member of another size is
        reported without reading it past `size`."""
        info = self._info(name)
        if info.file_size != size:
            raise PackageError(
                "file_hash", f"{name} holds {info.file_size} bytes, the manifest says {size}"
            )
        try:
            span = self._stored_span(info)
            if span is not None:
                return self._hash_span(*span, progress)
            with self.zip.open(info) as src:
                return _hash_stream(src, size, name, progress)
        except READ_ERRORS as e:
            raise PackageError("unreadable", f"{name}: {e}") from None

    def _stored_span(self, info: zipfile.ZipInfo) -> tuple[int, int] | None:
        """(offset, length) of an uncompressed, unencrypted member's bytes, checked against
        its local header; None for other members (read through zipfile)."""
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            return None
        self._raw.seek(info.header_offset)
        header = self._raw.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size:
            raise PackageError("unreadable", f"{info.filename}: its local header is cut off")
        signature, name_len, extra_len = _LOCAL_HEADER.unpack(header)
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if signature != b"PK\x03\x04" or self._raw.read(name_len) != info.orig_filename.encode(
            encoding
        ):
            raise PackageError(
                "unreadable", f"{info.filename}: its local header does not match the directory"
            )
        start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        if info.compress_size != info.file_size or start + info.file_size > self.size:
            raise PackageError("unreadable", f"{info.filename}: its data runs past the zip's end")
        return start, info.file_size

    def _hash_span(self, start: int, length: int, progress: ProgressFn | None) -> str:
        digest = hashlib.sha256()
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        self._raw.seek(start)
        done = 0
        while done < length:
            n = self._raw.readinto(view[: min(CHUNK, length - done)])
            if not n:
                raise PackageError("unreadable", "the zip ended inside a member")
            digest.update(view[:n])
            done += n
            if progress:
                progress(n)
        return digest.hexdigest()


def _hash_stream(src: IO[bytes], size: int, name: str, progress: ProgressFn | None) -> str:
    digest = hashlib.sha256()
    done = 0
    while chunk := src.read(min(CHUNK, size + 1 - done)):
        digest.update(chunk)
        done += len(chunk)
        if progress:
            progress(len(chunk))
        if done > size:
            raise PackageError("file_hash", f"{name} holds more than the {size} bytes it declares")
    if done != size:
        raise PackageError("file_hash", f"{name} holds {done} bytes, not {size}")
    return digest.hexdigest()
