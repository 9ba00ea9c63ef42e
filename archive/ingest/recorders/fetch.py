"""One camera's range from its recording source: the adapter by kind, the credential by name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from archive.credentials import load as load_credential
from archive.ingest.recorders import http_vod, rtsp
from archive.ingest.recorders.delivery import Delivery, Fetch, Fraction, RecorderFailed
from archive.settings import Settings
from domain.recording_source import RTSP_KINDS, RecordingSource


def fetch(
    settings: Settings,
    source: RecordingSource,
    start: datetime,
    end: datetime,
    out: Path,
    progress: Fraction | None = None,
) -> tuple[str, Delivery]:
    """(the playback URL without credential, what the recorder delivered into `out`.*)."""
    credential = (
        load_credential(settings.credentials, source.credential) if source.credential else None
    )
    url = source.playback_url(start, end)
    req = Fetch(url, start, end, out, settings.recorder_timeout.total_seconds(), progress)
    if source.kind == "onvif":
        raise RecorderFailed(
            "error",
            "ONVIF replay is not supported yet: register the recorder's RTSP playback form "
            "(hikvision, dahua or rtsp-template) instead",
        )
    if source.kind in RTSP_KINDS:
        return url, rtsp.fetch(req, credential)
    if source.kind == "hls-vod":
        return url, http_vod.fetch_hls(req, credential)
    if source.kind == "mediamtx":
        listing = f"{source.url}/list?path={quote(source.path or '', safe='/')}"
        return url, http_vod.fetch_mediamtx(req, credential, listing, source.playback_url)
    raise RecorderFailed("error", f"a {source.kind} source is not fetched over the network")
