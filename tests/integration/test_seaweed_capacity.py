"""The session's SeaweedFS must hold a bucket for every S3 test in the run.

Each bucket is a SeaweedFS collection that takes about eight volumes when first written. With
the default volume limit the server refused every new bucket after ~77 with InternalError, and
whichever S3 tests came last in the run failed.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.support.seaweed import SeaweedServer

VOLUMES_PER_BUCKET = 8


def test_the_session_seaweedfs_has_volumes_for_a_bucket_per_s3_test(
    seaweed: SeaweedServer, request: pytest.FixtureRequest
) -> None:
    s3_tests = sum(1 for item in request.session.items if "s3" in item.nodeid)
    with urllib.request.urlopen(
        f"http://127.0.0.1:{seaweed.ports['master.port']}/dir/status", timeout=10
    ) as reply:
        topology = json.load(reply)["Topology"]
    # Counted against everything S3 tests could ever collect here, plus room to grow.
    needed = VOLUMES_PER_BUCKET * max(s3_tests, 1) * 2
    assert topology["Max"] >= needed, (topology["Max"], needed)
