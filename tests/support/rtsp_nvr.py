"""An NVR on loopback that plays recordings back by time over RTSP, for the tests.

Run with Debian's own Python (GStreamer's bindings are a system package):
    /usr/bin/python3 tests/support/rtsp_nvr.py PORT ROOT TZ [USER PASSWORD]
ROOT/ch<N>/ holds channel N's MPEG-TS segments named <ID>_YYYYmmddTHHMMSSZ.ts (UTC); TZ is the
recorder's own zone (+07:00), in which the URLs give times, as many recorders do:
    rtsp://HOST:PORT/Streaming/tracks/<N>01?starttime=YYYYmmddTHHMMSSZ&endtime=...  (Hikvision)
    rtsp://HOST:PORT/cam/playback?channel=<N>&subtype=0&starttime=Y_m_d_H_M_S&endtime=...  (Dahua)
Each request is cut from the segments by ffmpeg (stream copy; keyframes every second) and
streamed in real time (H.264, RTP); the stream ends at the end time. Times outside the
recordings give 404. With USER and PASSWORD, HTTP-style Basic authentication is required.
Prints "ready" once it listens.
"""

import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ROOT = Path(sys.argv[2])
WORK = Path(tempfile.mkdtemp(prefix="nvr-"))


def zone(text):
    if text in ("Z", "UTC"):
        return UTC
    m = re.match(r"^([+-])(\d{2}):?(\d{2})$", text)
    sign = 1 if m.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))


TZ = zone(sys.argv[3])


def request(path, query):
    """(channel, start, end) in UTC from a Hikvision or Dahua playback URL, or None."""
    q = {k: v[0] for k, v in parse_qs(query or "").items()}
    m = re.match(r"^/Streaming/tracks/(\d+)01/?$", path)
    if m and "starttime" in q:
        fmt, channel = "%Y%m%dT%H%M%SZ", int(m.group(1))
    elif path.rstrip("/") == "/cam/playback" and "starttime" in q:
        fmt, channel = "%Y_%m_%d_%H_%M_%S", int(q.get("channel", "0"))
    else:
        return None
    start = datetime.strptime(q["starttime"], fmt).replace(tzinfo=TZ)
    end = datetime.strptime(q["endtime"], fmt).replace(tzinfo=TZ)
    return channel, start.astimezone(UTC), end.astimezone(UTC)


def cut(channel, start, end):
    """The range as one MPEG-TS file, or None when nothing is recorded in it."""
    folder = ROOT / f"ch{channel}"
    found = []
    for p in sorted(folder.glob("*.ts")) if folder.is_dir() else []:
        t = datetime.strptime(p.stem.rsplit("_", 1)[1], "%Y%m%dT%H%M%SZ")
        found.append((t.replace(tzinfo=UTC), p))
    span = timedelta(seconds=float(os.environ.get("NVR_SEGMENT_S", "4")))
    used = [(t, p) for t, p in found if t < end and t + span > start]
    if not used:
        return None
    offset = max(0.0, (start - used[0][0]).total_seconds())
    out = WORK / f"play-{channel}-{int(start.timestamp())}-{int(end.timestamp())}.ts"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-ss", f"{offset:.3f}",
         "-i", "concat:" + "|".join(str(p) for _, p in used),
         "-t", f"{(end - start).total_seconds():.3f}", "-c", "copy", "-f", "mpegts", str(out)],
        check=True,
    )  # fmt: skip
    return out


class Playback(GstRtspServer.RTSPMediaFactory):
    def do_create_element(self, url):
        asked = request(url.abspath, url.query)
        if asked is None:
            return None
        file = cut(*asked)
        if file is None:
            return None
        launch = (
            f"( filesrc location={file} ! tsdemux ! h264parse config-interval=-1 "
            "! rtph264pay name=pay0 pt=96 )"
        )
        return Gst.parse_launch(launch)


def main():
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[1])
    # Each client in its own thread: a request's cut (ffmpeg) must not hold up the others.
    server.get_thread_pool().set_max_threads(32)
    factory = Playback()
    factory.set_shared(False)
    factory.set_eos_shutdown(True)
    if len(sys.argv) > 5:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(sys.argv[4], sys.argv[5]), token)
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
    mounts = server.get_mount_points()
    # Mount points match whole paths (what follows is a stream's control path), so each
    # channel's Hikvision path is mounted; the time range is in the query.
    for folder in sorted(ROOT.glob("ch*")):
        mounts.add_factory(f"/Streaming/tracks/{folder.name[2:]}01", factory)
    mounts.add_factory("/cam/playback", factory)
    if server.attach(None) == 0:
        sys.exit("could not listen")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
