"""A small street-tile set made by the tests and served on loopback, standing in for a city's
own tile server (SAKSI_MAP_TILES): plain 256-pixel PNGs for the area around a point."""

from __future__ import annotations

import math
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SIZE = 256


def png(shade: int) -> bytes:
    """A grey 256×256 PNG with a darker line along its top and left edge (the tile grid)."""
    rows = []
    for y in range(SIZE):
        line = bytes([60] * SIZE) if y == 0 else bytes([60] + [shade] * (SIZE - 1))
        rows.append(b"\x00" + line)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def tile_of(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def make_tiles(folder: Path, lat: float, lon: float, zooms: range, spread: int = 3) -> int:
    """Tiles {z}/{x}/{y}.png around (lat, lon); how many were written."""
    count = 0
    for z in zooms:
        cx, cy = tile_of(lat, lon, z)
        for x in range(cx - spread, cx + spread + 1):
            for y in range(cy - spread, cy + spread + 1):
                path = folder / str(z) / str(x) / f"{y}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(png(200 + (x + y) % 2 * 30))
                count += 1
    return count


class _Quiet(SimpleHTTPRequestHandler):
    served: list[str]

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.served.append(self.path)
        super().do_GET()


@contextmanager
def tile_server(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """Serves FOLDER on a free loopback port: the URL template and the paths asked for."""
    served: list[str] = []
    handler = type("Tiles", (_Quiet,), {"served": served})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/{{z}}/{{x}}/{{y}}.png", served
    finally:
        httpd.shutdown()
        httpd.server_close()
