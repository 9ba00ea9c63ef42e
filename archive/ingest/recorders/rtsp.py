"""RTSP playback (Hikvision, Dahua, a custom template): ffmpeg reads the recorder's stream
and copies its packets into Matroska, as a live camera is recorded. Recorders play back in
real time and end the stream at the range's end; the stream does not say when its frames
were recorded, so they are dated from the range asked for.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time

from archive.credentials import Credential, scrub
from archive.ingest.cutting import BASE, KEEP_STREAMS
from archive.ingest.media import last_line, require_ffmpeg
from archive.ingest.recorders.delivery import Delivery, Fetch, NoRecording, RecorderFailed

EXTRA_S = 5.0  # read a little past the range: a recorder may begin on the keyframe before it
_OUT_TIME = re.compile(r"^out_time_us=(\d+)$")


def fetch(req: Fetch, credential: Credential | None) -> Delivery:
    require_ffmpeg()
    url = credential.in_url(req.url) if credential else req.url
    secrets = [url, *(credential.secrets() if credential else [])]
    out = req.out.with_suffix(".mkv")
    micros = str(int(req.timeout_s * 1_000_000))
    cmd = [
        *BASE, "-rtsp_transport", "tcp", "-timeout", micros, "-i", url,
        "-t", f"{req.seconds + EXTRA_S:.3f}", *KEEP_STREAMS, "-c", "copy",
        "-progress", "pipe:1", "-nostats", "-f", "matroska", str(out),
    ]  # fmt: skip
    deadline = req.seconds * 2 + req.timeout_s + 30
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(deadline, proc.kill)
    timer.start()
    began = time.monotonic()
    try:
        for line in proc.stdout or []:
            m = _OUT_TIME.match(line.strip())
            if m and req.progress and req.seconds > 0:
                req.progress(min(1.0, int(m.group(1)) / 1e6 / req.seconds))
        err = proc.stderr.read() if proc.stderr else ""
        code = proc.wait()
    finally:
        timer.cancel()
    if time.monotonic() - began >= deadline:
        raise RecorderFailed("timeout", f"the recorder did not finish within {deadline:.0f} s")
    if code != 0 or not out.exists() or out.stat().st_size == 0:
        raise _failure(scrub(last_line(err), secrets), req)
    return Delivery(out, None, "the range asked (an RTSP stream carries no recording time)")


def _failure(detail: str, req: Fetch) -> Exception:
    low = detail.lower()
    if "401" in low or "403" in low or "unauthorized" in low or "forbidden" in low:
        return RecorderFailed("refused", f"the recorder refused the credential ({detail})")
    if "404" in low or "not found" in low:
        return NoRecording(f"the recorder has no recording in the range ({detail})")
    down = ("connection refused", "no route", "unreachable", "timed out", "timeout", "resolve")
    if any(word in low for word in down):
        return RecorderFailed("unreachable", f"the recorder is unreachable ({detail})")
    if "no detail" in low or "output file is empty" in low or "does not contain" in low:
        return RecorderFailed("nothing", "the recorder sent no video")
    return RecorderFailed("error", f"the recorder's stream failed: {detail}")
