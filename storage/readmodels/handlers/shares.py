"""Read-model handlers for shares (registered with registry.on): rm_shares, one row a share."""

from __future__ import annotations

import json

from domain.share import Share
from storage.db import Tx
from storage.readmodels.registry import on, stored_time


@on(Share.ShareCreated)
def _created(tx: Tx, _pos: int, e: Share.ShareCreated) -> None:
    tx.run(
        "INSERT INTO rm_shares (share_id, token_hash, recipient, case_id, clip_ids_json, "
        "view_only, reason, created_by, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (share_id) DO NOTHING",
        (
            str(e.originator_id),
            e.token_hash,
            e.recipient,
            e.case_id,
            json.dumps(e.clip_ids),
            1 if e.view_only else 0,
            e.reason,
            e.actor,
            stored_time(e.timestamp),
            stored_time(e.expires_at),
        ),
    )


@on(Share.ShareViewed)
def _viewed(tx: Tx, _pos: int, e: Share.ShareViewed) -> None:
    tx.run(
        "UPDATE rm_shares SET views = views + 1, last_used_at = ? WHERE share_id = ?",
        (stored_time(e.timestamp), str(e.originator_id)),
    )


@on(Share.PackageDownloaded)
def _downloaded(tx: Tx, _pos: int, e: Share.PackageDownloaded) -> None:
    tx.run(
        "UPDATE rm_shares SET downloads = downloads + 1, last_used_at = ? WHERE share_id = ?",
        (stored_time(e.timestamp), str(e.originator_id)),
    )


@on(Share.ShareRevoked)
def _revoked(tx: Tx, _pos: int, e: Share.ShareRevoked) -> None:
    tx.run(
        "UPDATE rm_shares SET revoked_at = ?, revoked_by = ? WHERE share_id = ?",
        (stored_time(e.timestamp), e.actor, str(e.originator_id)),
    )


@on(Share.AccessDenied)
def _refused(tx: Tx, pos: int, e: Share.AccessDenied) -> None:
    tx.run(
        "INSERT INTO rm_refusals (position, at, actor, action, target, detail, channel, client) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (position) DO NOTHING",
        (
            pos,
            stored_time(e.timestamp),
            e.actor,
            e.action,
            f"share:{e.originator_id}",
            e.detail,
            e.channel,
            e.client,
        ),
    )
