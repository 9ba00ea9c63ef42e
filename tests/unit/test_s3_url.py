"""SAKSI_OBJECT_STORE=s3://ACCESS:SECRET@HOST:PORT/BUCKET[?secure=true] is read exactly."""

from __future__ import annotations

import pytest

from storage.errors import StoreMisconfigured
from storage.objects.s3 import S3ObjectStore


def test_an_s3_url_names_endpoint_bucket_and_credentials() -> None:
    store = S3ObjectStore.from_url("s3://saksi:p%40ss%2Fword@minio.local:9000/evidence")
    assert (store.endpoint, store.bucket) == ("minio.local:9000", "evidence")
    creds = store.client._provider.retrieve()  # type: ignore[union-attr]
    assert (creds.access_key, creds.secret_key) == ("saksi", "p@ss/word")
    assert store.client._base_url.is_https is False


def test_secure_true_selects_tls() -> None:
    store = S3ObjectStore.from_url("s3://a:b@minio.local:9000/evidence?secure=true")
    assert store.client._base_url.is_https is True


@pytest.mark.parametrize(
    "url",
    ["s3://minio.local:9000/evidence", "s3://a:b@minio.local:9000/", "s3://a:b@host/x/y"],
)
def test_an_incomplete_s3_url_is_refused(url: str) -> None:
    with pytest.raises(StoreMisconfigured, match="SAKSI_OBJECT_STORE"):
        S3ObjectStore.from_url(url)
