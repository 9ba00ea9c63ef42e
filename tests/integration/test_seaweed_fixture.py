"""The SeaweedFS test fixture survives a port taken between choosing it and binding it (a
clean CI run once lost every S3 test to that)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support import seaweed


def test_a_port_taken_before_seaweedfs_binds_it_is_retried_on_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        chosen: list[list[int]] = []
        real = seaweed.free_ports

        def first_pick_collides(count: int) -> list[int]:
            ports = real(count)
            if not chosen:
                ports[1] = taken  # master.port, in use by the time SeaweedFS binds it
            chosen.append(ports)
            return ports

        monkeypatch.setattr(seaweed, "free_ports", first_pick_collides)
        server = seaweed.start_seaweed(tmp_path)
        try:
            assert len(chosen) == 2
            assert taken not in server.ports.values()
            assert str(taken) in (tmp_path / "weed.log").read_text()  # it did refuse the port
        finally:
            server.discard()
