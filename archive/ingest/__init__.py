"""Recordings become clips: sources, NVR segments, ffmpeg cuts and probes, derivatives, uploads,
case pulls."""
