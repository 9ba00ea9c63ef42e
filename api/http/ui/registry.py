"""The camera registry for operators and admins: list, add, edit, retire, and bulk import of a
CSV or GeoJSON file through the same use case as `saksi camera import` (all or nothing, every
bad line named). Other roles see the list only; the use cases refuse (and record) the rest."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from api.http.deps import Run
from api.http.ui.web import Form, SignedIn, UiRoute, redirect, render
from archive.cameras import bulk, changes, registry
from archive.errors import InvalidInput
from domain.camera import EDITABLE

router = APIRouter(route_class=UiRoute, include_in_schema=False)
IMPORT_MAX_BYTES = 20 * 1024 * 1024  # about 100,000 cameras of CSV


def _number(text: str, what: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"invalid {what} {text!r}") from None


async def _page(
    request: Request, viewer: Any, run: Run, status: int = 200, **extra: Any
) -> Response:
    rows = await run(registry.list_cameras, viewer.ctx)
    may_edit = viewer.role in ("operator", "admin")
    data = {"imported": None, "import_errors": [], **extra}
    return render(request, "cameras.html", status, cameras=rows, may_edit=may_edit, **data)


@router.get("/cameras")
async def cameras_page(request: Request, viewer: SignedIn, run: Run) -> Response:
    return await _page(request, viewer, run)


@router.post("/cameras")
async def add_camera(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    camera_id = form.get("camera_id", "").strip()
    await run(
        registry.register_camera,
        viewer.ctx,
        camera_id=camera_id,
        name=form.get("name", "").strip(),
        owner=form.get("owner", "public"),
        district=form.get("district", "").strip(),
        rt=form.get("rt", "").strip() or None,
        lat=_number(form.get("lat", ""), "latitude"),
        lon=_number(form.get("lon", ""), "longitude"),
        owner_user=form.get("owner_user", "").strip() or None,
    )
    return redirect(f"/cameras/{camera_id}")


@router.post("/cameras/import")
async def import_file(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("choose a CSV or GeoJSON file")
    data = await upload.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise InvalidInput(f"the file is over {IMPORT_MAX_BYTES} bytes")
    try:
        result = await run(bulk.import_cameras, viewer.ctx, upload.filename, data)
    except InvalidInput as e:  # every bad line, named, on the page
        lines = [str(x) for x in e.details.get("errors", [])] or [e.message]
        return await _page(request, viewer, run, 422, import_errors=lines)
    return await _page(request, viewer, run, imported=result)


@router.get("/cameras/{camera_id}")
async def camera_page(request: Request, camera_id: str, viewer: SignedIn, run: Run) -> Response:
    camera = await run(registry.show_camera, viewer.ctx, camera_id)
    may_edit = viewer.role in ("operator", "admin") and not camera["retired"]
    return render(request, "camera.html", camera=camera, may_edit=may_edit)


@router.post("/cameras/{camera_id}/edit")
async def edit_camera(
    request: Request, camera_id: str, viewer: SignedIn, run: Run, form: Form
) -> Response:
    camera = await run(registry.show_camera, viewer.ctx, camera_id)
    given: dict[str, Any] = {k: form.get(k, "").strip() for k in EDITABLE}
    for k in ("lat", "lon"):
        given[k] = _number(given[k], k)
    for k in ("rt",):
        given[k] = given[k] or None
    changed = {k: v for k, v in given.items() if v != camera.get(k)}
    await run(changes.edit_camera, viewer.ctx, camera_id, changed, form.get("reason", ""))
    return redirect(f"/cameras/{camera_id}")


@router.post("/cameras/{camera_id}/retire")
async def retire_camera(
    request: Request, camera_id: str, viewer: SignedIn, run: Run, form: Form
) -> Response:
    await run(changes.retire_camera, viewer.ctx, camera_id, form.get("reason", ""))
    return redirect(f"/cameras/{camera_id}")
