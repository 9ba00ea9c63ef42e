"""/log/: the log in the C2SP tlog-tiles layout, for auditors' mirrors (`saksi audit mirror`).

    /log/checkpoint                 the newest checkpoint with its witnesses' cosignatures
    /log/tile/<L>/<N>[.p/<W>]       hash tiles (public: they reveal no content)
    /log/tile/entries/<N>[.p/<W>]   entry bundles: each leaf's 32-byte event hash
    /log/events/<N>[.p/<W>]         the same leaves' events as stored, with chain links (JSON lines)

All but the hash tiles need an auditor's or admin's token. Nothing past the newest checkpoint
is served.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from api.http.deps import Ctx, Run
from archive.audit import published
from archive.errors import InvalidInput

router = APIRouter(prefix="/log", tags=["log"], include_in_schema=False)

_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
_SHORT = {"Cache-Control": "no-store"}


def _cache(width: int) -> dict[str, str]:
    return _IMMUTABLE if width == 256 else _SHORT


@router.get("/checkpoint")
async def checkpoint(ctx: Ctx, run: Run) -> Response:
    note = await run(published.checkpoint, ctx)
    return PlainTextResponse(note, headers=_SHORT)


@router.get("/tile/entries/{path:path}")
async def entries(path: str, ctx: Ctx, run: Run) -> Response:
    _, index, width = published.parse(f"tile/entries/{path}")
    data = await run(published.entry_bundle, ctx, index, width)
    return Response(data, media_type="application/octet-stream", headers=_cache(width))


@router.get("/tile/{path:path}")
async def tile(path: str, run: Run) -> Response:
    level, index, width = published.parse(f"tile/{path}")
    if not isinstance(level, int):
        raise InvalidInput("not a hash tile path")
    data = await run(lambda svc: published.hash_tile(svc.db, level, index, width))
    return Response(data, media_type="application/octet-stream", headers=_cache(width))


@router.get("/events/{path:path}")
async def events(path: str, ctx: Ctx, run: Run) -> Response:
    _, index, width = published.parse(f"tile/0/{path}")
    data = await run(published.event_bundle, ctx, index, width)
    return Response(data, media_type="application/x-ndjson", headers=_cache(width))
