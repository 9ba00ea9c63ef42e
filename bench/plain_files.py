"""One file served by a plain Starlette `FileResponse` over uvicorn, as `saksi serve` runs it:
the HTTP stack's own speed, the baseline of api_range_download_mb_per_s.

python -m bench.plain_files FILE PORT   (GET /file answers Range requests; GET /health)
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route


def app_for(path: str) -> Starlette:
    async def file(_request: Request) -> Response:
        return FileResponse(path, media_type="video/mp4")

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/file", file), Route("/health", health)])


if __name__ == "__main__":
    uvicorn.run(
        app_for(sys.argv[1]),
        host="127.0.0.1",
        port=int(sys.argv[2]),
        access_log=False,
        server_header=False,
        log_level="warning",
    )
