"""/upload/requests/{id}?token=...: a footage request's one-time upload link.

No bearer token: the link's token is the credential (kept only as its hash; like every query
string, never logged). The link is checked and claimed before the body is read; the body is
held to the link's own size limit; a failed upload keeps nothing and frees the link again.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.types import Message

from api.http.deps import Run
from api.http.errors import describe
from api.http.request_models import LINK_UPLOAD_SCHEMA, DeliveredOut, LinkUploadForm
from api.http.responses import responses
from api.http.uploads import receive_upload
from archive.errors import InvalidInput, TooLarge
from archive.footage_requests import link_uploads
from archive.footage_requests.links import LINK_PATH
from archive.timefmt import parse_time

router = APIRouter(prefix=LINK_PATH, tags=["requests"])


@router.post(
    "/{request_id}",
    status_code=201,
    response_model=DeliveredOut,
    responses=responses(404, 409, 410, 413, 422, 503),
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": LINK_UPLOAD_SCHEMA}},
        },
    },
)
async def upload_through_link(
    request_id: UUID,
    token: Annotated[str, Query(min_length=1, max_length=256, description="The link's token")],
    request: Request,
    run: Run,
) -> dict[str, Any]:
    """Deliver the requested recording (multipart `file`); the link works once."""
    declared = request.headers.get("content-length")
    claim = await run(
        link_uploads.claim,
        request_id=str(request_id),
        token=token,
        client=request.client.host if request.client else None,
        declared_bytes=int(declared) if declared and declared.isdigit() else None,
    )
    folder = Path(tempfile.mkdtemp(prefix="saksi-link-"))
    try:
        try:
            limited = _limited(request, claim.max_bytes)
            got = await receive_upload(limited, folder, request.app.state.limits)
            form = _form(got.fields)
            assert got.path is not None
            return await run(
                link_uploads.deliver_upload,
                claim,
                path=got.path,
                received_sha256=got.sha256,
                expected_sha256=form.sha256,
                source_start=(
                    parse_time(form.source_start, "source_start") if form.source_start else None
                ),
                timeout_factor=10,
            )
        except Exception as exc:
            await run(link_uploads.release, claim, str(exc) or type(exc).__name__)
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _form(fields: dict[str, str]) -> LinkUploadForm:
    try:
        return LinkUploadForm.model_validate(fields)
    except ValidationError as e:
        raise InvalidInput(describe(e.errors())) from None


def _limited(request: Request, limit: int) -> Request:
    """The request, its body cut off with 413 once it passes `limit` bytes."""
    seen = 0

    async def receive() -> Message:
        nonlocal seen
        message = await request.receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(f"the upload is over the link's limit of {limit} bytes")
        return message

    return Request(request.scope, receive)
