"""Live cameras on loopback for ingest tests: RTSP (GStreamer) and HTTP (ffmpeg -listen 1)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.seaweed import free_port

RTSP_SCRIPT = Path(__file__).with_name("rtsp_camera.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # GStreamer's Python bindings are a Debian package


@contextmanager
def rtsp_camera() -> Iterator[str]:
    """rtsp://127.0.0.1:PORT/cam1, live for as long as the block runs."""
    port = free_port()
    with gstreamer_server(RTSP_SCRIPT, [str(port)], "the RTSP camera"):
        yield f"rtsp://127.0.0.1:{port}/cam1"


@contextmanager
def gstreamer_server(
    script: Path, args: list[str], what: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """A GStreamer RTSP server script run by the system's Python, once it says "ready"."""
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if line.strip() != "ready":
            detail = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"{what} did not start: {line} {detail}")
        yield proc
    finally:
        _stop(proc)


@contextmanager
def http_camera(seconds: float | None = None) -> Iterator[str]:
    """http://127.0.0.1:PORT/live.ts: ffmpeg serves one client a live MPEG-TS picture,
    for `seconds` (then the stream stops) or for as long as the client reads."""
    port = free_port()
    limit = ["-t", str(seconds)] if seconds is not None else []
    cmd = [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", *limit,
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p",
        "-f", "mpegts", "-listen", "1", f"http://127.0.0.1:{port}/live.ts",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port, proc)
        yield f"http://127.0.0.1:{port}/live.ts"
    finally:
        _stop(proc)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Watch the kernel's socket table: a test connection would be taken as the one client."""
    wanted = f"0100007F:{port:04X}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the HTTP camera exited before listening")
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
        if any(r.split()[1] == wanted and r.split()[3] == "0A" for r in rows):  # 0A: LISTEN
            return
        time.sleep(0.05)
    raise RuntimeError(f"the HTTP camera did not listen on {port}")


def _stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
