"""Listing versions on S3 takes a LIST and then a HEAD per version: a version that another
process deletes in between (a sweep) is left out of the answer, not reported as an error."""

from __future__ import annotations

import io
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage.objects.s3 import S3ObjectStore
from tests.support.seaweed import SeaweedServer


def test_a_version_deleted_between_the_listing_and_its_head_is_left_out(
    seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = S3ObjectStore.from_url(seaweed.url(f"t-{uuid.uuid4().hex[:16]}"))
    store.initialise()
    kept = store.put(io.BytesIO(b"kept"), retain_until=datetime.now(UTC) + timedelta(hours=1))
    expiring = datetime.now(UTC) + timedelta(seconds=1)
    swept = [store.put(io.BytesIO(data), retain_until=expiring) for data in (b"one", b"two")]
    time.sleep(2)  # their retention is over: a sweep may delete them
    list_objects = store.client.list_objects

    def listing_then_a_sweep(*args: Any, **kwargs: Any) -> list[Any]:
        listed = list(list_objects(*args, **kwargs))
        gone = swept.pop()
        store.client.remove_object(store.bucket, gone.key, version_id=gone.version_id)
        return listed

    monkeypatch.setattr(store.client, "list_objects", listing_then_a_sweep)
    assert [o.key for o in store.iter_objects()] == sorted([kept.key, swept[0].key])
    assert store.versions(swept[0].key) == []
