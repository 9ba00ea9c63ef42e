"""The Share aggregate's rules, and the clip's share custody events (no storage)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.base import Context, RuleBroken
from domain.share import Share, share_actor

NOW = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
BUDI = Context("budi", "cli", "local:budi@host")
RECIPIENT = Context("share:x", "http", "203.0.113.9")


def share(view_only: bool = False, days: int = 7) -> Share:
    return Share.create(
        share_id=uuid.uuid4(),
        token_hash="ab" * 32,
        recipient=" Kejaksaan Negeri Semarang ",
        case_id="R-1",
        clip_ids=["c1", "c2", "c1"],
        expires_at=NOW + timedelta(days=days),
        view_only=view_only,
        reason="for prosecution",
        ctx=BUDI,
    )


def test_a_share_keeps_only_a_token_hash_and_needs_a_recipient_clips_and_an_aware_expiry() -> None:
    s = share()
    assert s.recipient == "Kejaksaan Negeri Semarang" and s.clip_ids == ["c1", "c2"]
    assert s.recipient_actor == share_actor(s.share_id) == f"share:{s.share_id}"
    good = {
        "share_id": uuid.uuid4(),
        "token_hash": "ab" * 32,
        "recipient": "x",
        "case_id": None,
        "clip_ids": ["c1"],
        "expires_at": NOW,
        "view_only": False,
        "reason": "r",
        "ctx": BUDI,
    }
    for bad in (
        {"token_hash": "shr_the-token-itself"},
        {"recipient": "  "},
        {"clip_ids": []},
        {"expires_at": NOW.replace(tzinfo=None)},
        {"reason": " "},
    ):
        with pytest.raises(RuleBroken):
            Share.create(**{**good, **bad})  # type: ignore[arg-type]


def test_a_share_works_until_it_expires_or_is_revoked() -> None:
    s = share(days=1)
    assert s.problem(NOW) is None and s.status(NOW) == "active"
    later = NOW + timedelta(days=1)
    assert "expired" in (s.problem(later) or "") and s.status(later) == "expired"
    with pytest.raises(RuleBroken, match="expired"):
        s.record_view("c1", later, RECIPIENT)
    s.revoke("package delivered", BUDI)
    assert s.status(NOW) == "revoked" and "revoked" in (s.problem(NOW) or "")
    with pytest.raises(RuleBroken, match="revoked"):
        s.record_download("e1", NOW, RECIPIENT)
    with pytest.raises(RuleBroken, match="already revoked"):
        s.revoke("again", BUDI)


def test_views_and_downloads_are_counted_and_a_view_only_share_refuses_the_package() -> None:
    s = share()
    s.record_view("c2", NOW, RECIPIENT)
    s.record_download("e1", NOW, RECIPIENT)
    assert (s.views, s.downloads) == (1, 1)
    with pytest.raises(RuleBroken, match="no clip"):
        s.record_view("c9", NOW, RECIPIENT)
    watch_only = share(view_only=True)
    with pytest.raises(RuleBroken, match="view-only"):
        watch_only.record_download("e2", NOW, RECIPIENT)
    events = s.collect_events()
    assert [type(e).__name__ for e in events] == [
        "ShareCreated",
        "ShareViewed",
        "PackageDownloaded",
    ]
    assert events[1].client == "203.0.113.9" and events[1].actor == "share:x"  # type: ignore[attr-defined]
