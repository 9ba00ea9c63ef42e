"""Read-model handlers for footage requests (registered with registry.on): rm_requests, and
refusals recorded on a request's stream into rm_refusals."""

from __future__ import annotations

from typing import Any

from domain.footage_request import FootageRequest
from storage.db import Tx
from storage.readmodels.registry import on, stored_time


@on(FootageRequest.Sent)
def _sent(tx: Tx, _pos: int, e: FootageRequest.Sent) -> None:
    tx.run(
        "INSERT INTO rm_requests (request_id, camera_id, owner_user, case_id, start_at, end_at, "
        "reason, status, sent_by, sent_at, updated_at) VALUES (?,?,?,?,?,?,?,'sent',?,?,?) "
        "ON CONFLICT (request_id) DO NOTHING",
        (
            str(e.originator_id),
            e.camera_id,
            e.owner_user,
            e.case_id,
            stored_time(e.start),
            stored_time(e.end),
            e.reason,
            e.actor,
            stored_time(e.timestamp),
            stored_time(e.timestamp),
        ),
    )


def _set(tx: Tx, e: Any, **columns: Any) -> None:
    names = ", ".join(f"{c}=?" for c in columns)
    tx.run(
        f"UPDATE rm_requests SET {names}, updated_at=? WHERE request_id=?",
        (*columns.values(), stored_time(e.timestamp), str(e.originator_id)),
    )


@on(FootageRequest.Approved)
def _approved(tx: Tx, _pos: int, e: FootageRequest.Approved) -> None:
    _set(tx, e, status="approved", answered_at=stored_time(e.timestamp))


@on(FootageRequest.Declined)
def _declined(tx: Tx, _pos: int, e: FootageRequest.Declined) -> None:
    _set(
        tx,
        e,
        status="declined",
        answered_at=stored_time(e.timestamp),
        decline_reason=e.reason,
        link_expires=None,
    )


@on(FootageRequest.LinkIssued)
def _link(tx: Tx, _pos: int, e: FootageRequest.LinkIssued) -> None:
    _set(tx, e, status="approved", link_expires=stored_time(e.expires), link_max_bytes=e.max_bytes)


@on(FootageRequest.UploadStarted, FootageRequest.UploadFailed)
def _upload(tx: Tx, _pos: int, e: Any) -> None:
    # While "uploading", updated_at is this UploadStarted's timestamp: the claim's time, read
    # by archive/footage_requests/requests.py to mark a stale claim. Nothing else changes the row
    # then.
    started = isinstance(e, FootageRequest.UploadStarted)
    _set(tx, e, status="uploading" if started else "approved")


@on(FootageRequest.Fulfilled)
def _fulfilled(tx: Tx, _pos: int, e: FootageRequest.Fulfilled) -> None:
    _set(tx, e, status="fulfilled", clip_id=e.clip_id, sha256=e.sha256)


@on(FootageRequest.AccessDenied)
def _refused(tx: Tx, pos: int, e: FootageRequest.AccessDenied) -> None:
    tx.run(
        "INSERT INTO rm_refusals (position, at, actor, action, target, detail, channel, client) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (position) DO NOTHING",
        (
            pos,
            stored_time(e.timestamp),
            e.actor,
            e.action,
            f"request:{e.originator_id}",
            e.detail,
            e.channel,
            e.client,
        ),
    )
