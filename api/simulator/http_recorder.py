"""A recorder serving recordings by time over HTTP, as Frigate and MediaMTX do, on loopback.

Recordings are the NVR segments of `footage.record` under ROOT/<path>/. Served:
- Frigate's video-on-demand: GET /vod/<path>/start/<unix>/end/<unix>/index.m3u8, an HLS
  playlist of the segments overlapping the range, each dated by #EXT-X-PROGRAM-DATE-TIME;
- MediaMTX's playback server: GET /list?path=P (the recorded spans, JSON) and
  GET /get?path=P&start=RFC3339&duration=S&format=fmp4 (the range as fragmented MP4).
With a user and password it asks for HTTP Basic authentication (401 otherwise). Faults, per
camera path, for tests: "wrong-clock" (its index is `clock_offset_s` off: asked for a range,
it sends another, dated truthfully, and its Date header is off by as much), "early-stop" (only
the first half of the range), "empty" (a playlist without segments).
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from api.simulator.footage import BASE, segment_start

SEGMENT_PROBE: dict[Path, float] = {}


class HttpRecorder:
    def __init__(
        self,
        root: Path,
        *,
        user: str | None = None,
        password: str | None = None,
        faults: dict[str, str] | None = None,
        clock_offset_s: float = 600.0,
        segment_s: float = 4.0,
    ) -> None:
        self.root, self.user, self.password = root, user, password
        self.faults = dict(faults or {})
        self.clock_offset_s, self.segment_s = clock_offset_s, segment_s
        self.requests: list[str] = []  # paths asked for, credentials never kept
        self._server: ThreadingHTTPServer | None = None

    def start(self, port: int = 0) -> str:
        recorder = self

        class Handler(_Handler):
            rec = recorder

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the recorder is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- what the recorder holds ---------------------------------------------------------------

    def segments(self, path: str, start: datetime, end: datetime) -> list[tuple[Path, datetime]]:
        """The segments overlapping [start, end] (by the recorder's index), in time order."""
        folder = self.root / path
        if not folder.is_dir() or ".." in path:
            return []
        shift = timedelta(
            seconds=self.clock_offset_s if self.faults.get(path) == "wrong-clock" else 0
        )
        span = timedelta(seconds=self.segment_s)
        found = sorted((segment_start(p), p) for p in folder.glob("*.ts"))
        chosen = [(p, t) for t, p in found if t < end + shift and t + span > start + shift]
        if self.faults.get(path) == "early-stop":
            chosen = chosen[: max(1, len(chosen) // 2)]
        return chosen

    def spans(self, path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        everything = self.segments(
            path, datetime(1970, 1, 2, tzinfo=UTC), datetime(2999, 1, 1, tzinfo=UTC)
        )
        for _, t in everything:
            end = t + timedelta(seconds=self.segment_s)
            if out and abs((t - out[-1]["_end"]).total_seconds()) < 0.5:
                out[-1]["_end"] = end
            else:
                out.append({"start": t, "_end": end})
        return [
            {"start": s["start"].isoformat().replace("+00:00", "Z"),
             "duration": (s["_end"] - s["start"]).total_seconds()}
            for s in out
        ]  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    rec: HttpRecorder
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        now = datetime.now(UTC)
        path = self.path.split("/")[2] if self.path.startswith("/vod/") else ""
        if self.rec.faults.get(path) == "wrong-clock":
            now += timedelta(seconds=self.rec.clock_offset_s)
        return format_datetime(now, usegmt=True)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.rec.requests.append(parts.path)
        if not self._authorized():
            self._send(
                401, b"unauthorized\n", "text/plain", {"WWW-Authenticate": 'Basic realm="rec"'}
            )
            return
        route = parts.path.strip("/").split("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            if route[0] == "vod" and len(route) == 7 and route[6] == "index.m3u8":
                self._playlist(unquote(route[1]), int(route[3]), int(route[5]))
            elif route[0] == "seg" and len(route) == 3:
                self._segment(unquote(route[1]), unquote(route[2]))
            elif route == ["list"]:
                body = json.dumps(self.rec.spans(query.get("path", ""))).encode()
                self._send(200, body, "application/json")
            elif route == ["get"]:
                self._fmp4(query)
            else:
                self._send(404, b"not found\n", "text/plain")
        except (ValueError, KeyError):
            self._send(400, b"bad request\n", "text/plain")

    def _authorized(self) -> bool:
        if self.rec.user is None:
            return True
        want = base64.b64encode(f"{self.rec.user}:{self.rec.password}".encode()).decode()
        return self.headers.get("Authorization", "") == f"Basic {want}"

    def _playlist(self, path: str, start: int, end: int) -> None:
        t0, t1 = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        found = self.rec.segments(path, t0, t1)
        if not found and self.rec.faults.get(path) != "empty":
            self._send(404, b"No recordings found.\n", "text/plain")
            return
        target = f"#EXT-X-TARGETDURATION:{int(self.rec.segment_s) + 1}"
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", target, "#EXT-X-MEDIA-SEQUENCE:0"]
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
        if self.rec.faults.get(path) != "empty":
            for p, t in found:
                lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{t.isoformat(timespec='milliseconds')}")
                lines.append(f"#EXTINF:{_duration(p):.3f},")
                lines.append(f"/seg/{path}/{p.name}")
        lines.append("#EXT-X-ENDLIST")
        self._send(200, ("\n".join(lines) + "\n").encode(), "application/vnd.apple.mpegurl")

    def _segment(self, path: str, name: str) -> None:
        file = self.rec.root / path / name
        if ".." in path or "/" in name or not file.is_file():
            self._send(404, b"not found\n", "text/plain")
            return
        self._send(200, file.read_bytes(), "video/mp2t")

    def _fmp4(self, q: dict[str, str]) -> None:
        path = q["path"]
        start = datetime.fromisoformat(q["start"].replace("Z", "+00:00"))
        seconds = float(q["duration"])
        found = self.rec.segments(path, start, start + timedelta(seconds=seconds))
        if not found or q.get("format", "fmp4") != "fmp4":
            self._send(404, b"no recordings\n", "text/plain")
            return
        offset = max(0.0, (start - found[0][1]).total_seconds())
        joined = "concat:" + "|".join(str(p) for p, _ in found)
        done = subprocess.run(
            [*BASE, "-ss", f"{offset:.3f}", "-i", joined, "-t", f"{seconds:.3f}", "-c", "copy",
             "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "-"],
            capture_output=True,
            check=False,
        )  # fmt: skip
        if done.returncode != 0 or not done.stdout:
            self._send(500, b"cannot cut\n", "text/plain")
            return
        self._send(200, done.stdout, "video/mp4")

    def _send(
        self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def _duration(path: Path) -> float:
    if path not in SEGMENT_PROBE:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             str(path)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        SEGMENT_PROBE[path] = float(out.strip())
    return SEGMENT_PROBE[path]
