"""The workstation mode: `saksi --server URL` (or SAKSI_SERVER) runs a user's commands through
the archive's HTTP API with the user's token, with the local mode's output and exit codes.

The server decides everything (authorization, custody records); this module only translates
a command into requests and the answers back into the local mode's documents. HTTP errors
become the archive's error tree (archive/errors.py), so exit codes match: 401/403/404/409/410/
413/422/429 exit 2, 503 and an unreachable server exit 3, a 500 on content exit 1.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from archive.errors import (
    AlreadyExists,
    Gone,
    IntegrityFailure,
    InvalidInput,
    NotFound,
    Refused,
    SaksiError,
    StateConflict,
    Throttled,
    TooLarge,
    Unauthenticated,
    Unavailable,
)
from archive.settings import ClientSettings

CHUNK = 1024 * 1024
_ERRORS: dict[int, type[SaksiError]] = {
    401: Unauthenticated,
    403: Refused,
    404: NotFound,
    409: StateConflict,
    410: Gone,
    413: TooLarge,
    422: InvalidInput,
    429: Throttled,
    503: Unavailable,
}
Progress = Callable[[int, int | None], None] | None
SERVER: dict[str, str | None] = {"url": None}  # `saksi --server URL`, set by the root callback


def server() -> str | None:
    """The server user commands go to (--server, else SAKSI_SERVER), or None: local mode."""
    return SERVER["url"] or ClientSettings.from_env().server


class Remote:
    """One user's session with the archive's API (their token on every request)."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(60.0, read=600.0),
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """One request; its JSON answer, or the archive's error for its status."""
        try:
            response = self.http.request(method, path, **kw)
        except httpx.HTTPError as e:
            raise Unavailable(f"cannot reach the server {self.http.base_url}: {e}") from None
        _raise_for(response)
        return response.json()

    @contextmanager
    def stream(self, method: str, path: str, **kw: Any) -> Iterator[httpx.Response]:
        try:
            with self.http.stream(method, path, **kw) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for(response)
                yield response
        except httpx.HTTPError as e:
            raise Unavailable(f"cannot reach the server {self.http.base_url}: {e}") from None

    def download(
        self,
        response: httpx.Response,
        out: Path,
        progress: Progress,
        expected: str | None = None,
    ) -> tuple[int, str]:
        """Write a streamed answer to `out` through a temporary file beside it: (bytes, sha256).
        With `expected`, a different SHA-256 leaves `out` untouched and fails (exit 1)."""
        if out.is_dir():
            raise InvalidInput(f"{out} is a folder; give a file name")
        if not out.parent.is_dir():
            raise InvalidInput(f"no folder {out.parent}")
        total = (
            int(response.headers["content-length"])
            if "content-length" in response.headers
            else None
        )
        tmp = out.with_name(f".{out.name}.part")
        digest, done = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as f:
                for chunk in response.iter_bytes(CHUNK):
                    f.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            if expected is not None and digest.hexdigest() != expected:
                raise IntegrityFailure(
                    f"the content received has SHA-256 {digest.hexdigest()}, "
                    f"the archive recorded {expected}: nothing written"
                )
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        return done, digest.hexdigest()

    def upload(self, path: str, fields: dict[str, str], file: Path, progress: Progress) -> Any:
        """A multipart upload of a local file (its SHA-256 sent along, for the server to match)."""
        fields = {**fields, "sha256": _sha256_of(file)}
        size = file.stat().st_size
        with open(file, "rb") as f:
            reader = _Counting(f, size, progress)
            return self.call(
                "POST", path, data=fields, files={"file": (file.name, reader, "video/mp4")}
            )


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        message = str(response.json().get("error") or response.reason_phrase)
    except ValueError:
        message = f"the server answered {response.status_code} {response.reason_phrase}"
    if response.status_code == 409 and "exists" in message:
        raise AlreadyExists(message)
    if response.status_code >= 500 and response.status_code != 503:
        raise IntegrityFailure(message)
    raise _ERRORS.get(response.status_code, SaksiError)(message)


def _sha256_of(file: Path) -> str:
    with open(file, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class _Counting:
    """A file httpx reads for the upload, reporting how much it has sent."""

    def __init__(self, f: BinaryIO, size: int, progress: Progress) -> None:
        self.f, self.size, self.progress, self.done = f, size, progress, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.f.read(n if n and n > 0 else CHUNK)
        self.done += len(chunk)
        if self.progress and chunk:
            self.progress(self.done, self.size)
        return chunk


@contextmanager
def session() -> Iterator[Remote]:
    """The user's session with the configured server; their token is required."""
    url = server()
    if not url:
        raise InvalidInput("no server: give --server URL or set SAKSI_SERVER")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"--server {url!r}: expected an http:// or https:// URL")
    token = ClientSettings.from_env().token
    if not token:
        from api.cli.common import ask_token

        token = ask_token()
    if not token:
        raise Unauthenticated("a user's token is required: set SAKSI_TOKEN (or type it when asked)")
    remote = Remote(url, token)
    try:
        yield remote
    finally:
        remote.close()


def get(path: str, **params: Any) -> Any:
    """One GET in its own session: a read command's whole remote branch."""
    with session() as api:
        return api.call("GET", path, params={k: v for k, v in params.items() if v is not None})
