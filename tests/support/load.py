"""Client threads for the reliability scenarios: ingesters upload distinct recordings, readers
list clips and read byte ranges (and now and then whole clips) and compare every byte."""

from __future__ import annotations

import hashlib
import itertools
import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.cluster import CASE, Cluster, Node, upload, variant

_tags = itertools.count()


@dataclass
class Tally:
    """What the clients saw; shared by all threads."""

    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # tag -> 201 body
    contents: dict[str, bytes] = field(default_factory=dict)  # sha256 -> bytes uploaded
    statuses: Counter[str] = field(default_factory=Counter)  # "op status"
    latencies: dict[str, list[float]] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the first error bodies, for the report
    in_flight: Counter[int] = field(default_factory=Counter)  # uploads under way, per port
    acks: list[tuple[float, float]] = field(default_factory=list)  # (began, ended), monotonic
    # (began, ended, op, status) of every answer, monotonic
    timeline: list[tuple[float, float, str, str]] = field(default_factory=list)
    bytes_up: int = 0
    bytes_read: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)  # ends the clients early
    # Each read with a reason of its own (`load review TAG`), so that its custody event can be
    # looked for afterwards: reason -> clip id of every read acknowledged (200/206). Off by
    # default: views with one reason within a session are recorded once, which keeps the
    # other scenarios' write load as it was.
    tag_reads: bool = False
    reads_acknowledged: dict[str, str] = field(default_factory=dict)

    def note(self, op: str, status: int | str, seconds: float) -> None:
        with self.lock:
            self.statuses[f"{op} {status}"] += 1
            self.latencies.setdefault(op, []).append(seconds)
            ended = time.monotonic()
            self.timeline.append((ended - seconds, ended, op, str(status)))

    def error(self, text: str) -> None:
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(text)

    def count(self, op: str, ok: set[int]) -> tuple[int, int]:
        good = sum(n for k, n in self.statuses.items() if k.startswith(op + " ") and _ok(k, ok))
        bad = sum(n for k, n in self.statuses.items() if k.startswith(op + " ")) - good
        return good, bad

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {"statuses": dict(sorted(self.statuses.items()))}
        for op, values in self.latencies.items():
            ordered = sorted(values)
            out[f"{op}_p50_ms"] = round(statistics.median(ordered) * 1000, 1)
            out[f"{op}_p95_ms"] = round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1)
        out["bytes_uploaded"], out["bytes_read"] = self.bytes_up, self.bytes_read
        out["read_mismatches"] = len(self.mismatches)
        out["first_errors"] = self.errors
        return out


def first_ack_begun_after(tally: Tally, moment: float) -> float | None:
    """When the first upload that began after `moment` was acknowledged (monotonic)."""
    with tally.lock:
        ends = [end for began, end in tally.acks if began >= moment]
    return min(ends) if ends else None


def server_errors(tally: Tally) -> dict[str, int]:
    """Answers that are neither a success nor the 503 a store outage must give."""
    return {
        k: n for k, n in tally.statuses.items() if not k.endswith((" 200", " 201", " 206", " 503"))
    }


def window(tally: Tally, status: str, since: float) -> tuple[float, float] | None:
    """(first, last) moment an answer with `status` ended, from `since` on (monotonic)."""
    with tally.lock:
        seen = [at for _began, at, _op, s in tally.timeline if s == status and at >= since]
    return (min(seen), max(seen)) if seen else None


def transport_errors(tally: Tally, op: str) -> tuple[int, int]:
    """(requests cut while under way, connections refused) among `op`'s outcomes."""
    cut = refused = 0
    for key, n in tally.statuses.items():
        name, _, status = key.partition(" ")
        if name == op and status == "ConnectError":
            refused += n
        elif name == op and not status.isdigit():
            cut += n
    return cut, refused


def _ok(key: str, ok: set[int]) -> bool:
    status = key.rsplit(" ", 1)[1]
    return status.isdigit() and int(status) in ok


def ingest_once(cluster: Cluster, client: httpx.Client, base: bytes, tally: Tally) -> int | str:
    """One upload of fresh content; returns the status (or the transport error's name)."""
    tag = f"t{next(_tags)}-{random.getrandbits(32):08x}"
    data = variant(base, tag)
    sha = hashlib.sha256(data).hexdigest()
    with tally.lock:
        tally.contents[sha] = data
    began = time.monotonic()
    where = client.base_url.port or 0
    with tally.lock:
        tally.in_flight[where] += 1
    try:
        response = upload(client, data, tag, sha)
        status: int | str = response.status_code
    except httpx.TransportError as e:
        status = type(e).__name__
    finally:
        with tally.lock:
            tally.in_flight[where] -= 1
    tally.note("ingest", status, time.monotonic() - began)
    if status != 201:
        tally.error(f"ingest {status}: {response.text[:300] if isinstance(status, int) else ''}")
    if status == 201:
        with tally.lock:
            tally.acks.append((began, time.monotonic()))
            tally.acknowledged[tag] = response.json()
            tally.bytes_up += len(data)
    return status


def ingester(
    cluster: Cluster, node: Node, user: str, bases: list[bytes], tally: Tally, until: float
) -> None:
    with cluster.client(node, user) as client:
        while time.monotonic() < until and not tally.stop.is_set():
            status = ingest_once(cluster, client, random.choice(bases), tally)
            if status != 201:
                time.sleep(0.2)  # a refused upload: back off a little, as a real client would


def read_once(client: httpx.Client, tally: Tally, whole: bool) -> None:
    began = time.monotonic()
    try:
        listed = client.get("/api/clips", params={"case": CASE, "limit": 50})
    except httpx.TransportError as e:
        tally.note("list", type(e).__name__, time.monotonic() - began)
        time.sleep(0.2)  # the server is away: do not spin
        return
    tally.note("list", listed.status_code, time.monotonic() - began)
    if listed.status_code != 200 or not listed.json()["clips"]:
        time.sleep(0.2 if listed.status_code != 200 else 0)
        return
    clip = random.choice(listed.json()["clips"])
    with tally.lock:
        expected = tally.contents.get(clip["sha256"])
    if expected is None:
        return  # a clip some other scenario step made
    first = 0 if whole else random.randrange(len(expected))
    last = len(expected) - 1 if whole else min(len(expected) - 1, first + 64 * 1024)
    headers = {} if whole else {"Range": f"bytes={first}-{last}"}
    reason = f"load review r{next(_tags)}" if tally.tag_reads else "load test review"
    began = time.monotonic()
    try:
        got = client.get(
            f"/api/clips/{clip['clip_id']}/content", params={"reason": reason}, headers=headers
        )
    except httpx.TransportError as e:
        tally.note("read", type(e).__name__, time.monotonic() - began)
        return
    tally.note("read", got.status_code, time.monotonic() - began)
    if got.status_code in (200, 206):
        with tally.lock:
            tally.bytes_read += len(got.content)
            served = _served_span(got, first, last)  # a range never returns the whole
            if got.content != expected[served[0] : served[1] + 1]:
                tally.mismatches.append(clip["clip_id"])
            if tally.tag_reads:
                tally.reads_acknowledged[reason] = clip["clip_id"]


def _served_span(got: httpx.Response, first: int, last: int) -> tuple[int, int]:
    """The bytes a 206 says it holds (Content-Range); a 200 holds what was asked."""
    if got.status_code != 206:
        return first, last
    start, _, end = got.headers["content-range"].removeprefix("bytes ").split("/")[0].partition("-")
    return int(start), int(end)


def reader(cluster: Cluster, node: Node, user: str, tally: Tally, until: float) -> None:
    with cluster.client(node, user) as client:
        for n in itertools.count():
            if time.monotonic() >= until or tally.stop.is_set():
                return
            read_once(client, tally, whole=n % 10 == 9)


def run_clients(
    cluster: Cluster,
    nodes: list[Node],
    bases: list[bytes],
    tally: Tally,
    *,
    seconds: float,
    ingesters: int,
    readers: int,
) -> None:
    until = time.monotonic() + seconds
    users = ("budi", "dodi")
    threads = [
        threading.Thread(
            target=ingester,
            args=(cluster, nodes[i % len(nodes)], users[i % 2], bases, tally, until),
        )
        for i in range(ingesters)
    ] + [
        threading.Thread(
            target=reader, args=(cluster, nodes[(i + 1) % len(nodes)], users[i % 2], tally, until)
        )
        for i in range(readers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 300)
        assert not t.is_alive(), "a client thread hung"
