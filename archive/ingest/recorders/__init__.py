"""Fetching a past time range from the device or system that recorded it (docs/sources.md):
NVR/DVR RTSP playback, HTTP video-on-demand (Frigate's HLS, MediaMTX's playback server).
Each adapter turns (source, start, end) into a local file of the recorder's own packets and
says what range the recorder dated it with; the pull (archive/ingest/pull.py) cuts and
archives it as any recording."""
