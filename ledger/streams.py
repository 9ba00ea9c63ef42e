"""Checks the per-stream hash chains, fed stored events in notification order.

Pure: the caller reads rows from whatever database and feeds them here, so the same checks
run on SQLite, PostgreSQL and inside an offline evidence-package verifier. Originator ids may
be given as UUIDs or as their 16 bytes; problems name them as UUID strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from ledger.chain import GENESIS, raw_event_hash, topic_field


@dataclass(frozen=True)
class Problem:
    kind: str  # see logcheck.KINDS
    position: int | None
    originator_id: str | None
    version: int | None
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Link:
    position: int  # notification id recorded with the link
    prev_hash: bytes
    hash: bytes


@dataclass(frozen=True)
class _Suspect:
    position: int
    version: int
    topic: bytes  # topic_field(topic)
    state: bytes
    link: Link


# (position, originator id bytes, version, topic, state, own link?, prev hash, hash): an event
# with the chain link stored at its position, `own` when that link is the event's.
EventRow = tuple[int, bytes, int, str, bytes, Any, bytes | None, bytes | None]
FindLink = Callable[[bytes, int], "Link | None"]


def oid_text(oid: UUID | bytes) -> str:
    return str(oid if isinstance(oid, UUID) else UUID(bytes=oid))


class StreamChecker:
    def __init__(self) -> None:
        self.heads: dict[bytes, tuple[int, bytes | None]] = {}
        self.suspects: dict[bytes, list[_Suspect]] = {}
        self.problems: list[Problem] = []
        self.events = 0
        self._topics: dict[str, bytes] = {}

    def _problem(self, kind: str, pos: int | None, oid: bytes, version: int, detail: str) -> None:
        self.problems.append(Problem(kind, pos, oid_text(oid), version, detail))

    def feed_fast(
        self,
        position: int,
        oid: bytes,
        version: int,
        topic: bytes,
        state: bytes,
        link_position: int | None,
        prev: bytes | None,
        digest: bytes | None,
    ) -> None:
        """The common case inline (topic as `topic_field`); anything unusual goes to `feed`."""
        head = self.heads.get(oid)
        if (
            link_position == position
            and digest is not None
            and prev is not None
            and (
                (head is None and version == 1 and prev == GENESIS)
                or (head is not None and head[0] == version - 1 and head[1] == prev)
            )
            and raw_event_hash(prev, oid, version, topic, state) == digest
        ):
            self.events += 1
            self.heads[oid] = (version, digest)
            return
        link = None
        if link_position is not None and prev is not None and digest is not None:
            link = Link(link_position, prev, digest)
        self.events += 1
        self._feed(position, oid, version, topic, state, link)

    def feed_rows(self, rows: Sequence[EventRow], find_link: FindLink) -> None:
        """A page of events as `ledger_rows.event_pages` reads them; the common case inline.

        `own` says the chain link stored at the event's position is the event's own; when it
        is not, `find_link` looks the event's link up wherever it was recorded.
        """
        heads, topics = self.heads, self._topics
        self.events += len(rows)
        for pos, oid, version, topic, state, own, prev, digest in rows:
            field = topics.get(topic) or topics.setdefault(topic, topic_field(topic))
            head = heads.get(oid)
            if (
                own
                and prev is not None
                and (
                    (head is None and version == 1 and prev == GENESIS)
                    or (head is not None and head[0] == version - 1 and head[1] == prev)
                )
                and raw_event_hash(prev, oid, version, field, state) == digest
            ):
                heads[oid] = (version, digest)
                continue
            link = None
            if own and prev is not None and digest is not None:
                link = Link(pos, prev, digest)
            elif not own:
                link = find_link(oid, version)
            self._feed(pos, oid, version, field, state, link)

    def feed(
        self,
        position: int,
        oid: UUID | bytes,
        version: int,
        topic: str,
        state: bytes,
        link: Link | None,
    ) -> None:
        field = self._topics.get(topic)
        if field is None:
            field = self._topics[topic] = topic_field(topic)
        self._feed(
            position, oid.bytes if isinstance(oid, UUID) else oid, version, field, state, link
        )

    def _feed(
        self, position: int, oid: bytes, version: int, topic: bytes, state: bytes, link: Link | None
    ) -> None:
        head = self.heads.get(oid)
        if link is None:
            self._problem(
                "inserted",
                position,
                oid,
                version,
                "event has no chain link: it was written outside the archive",
            )
            self.heads[oid] = (version, None)
            return
        if raw_event_hash(link.prev_hash, oid, version, topic, state) != link.hash:
            self.suspects.setdefault(oid, []).append(
                _Suspect(position, version, topic, state, link)
            )
        if link.position != position:
            self._problem(
                "reordered",
                position,
                oid,
                version,
                f"event sits at position {position} but was recorded at {link.position}",
            )
        if version == 1:
            if head is not None:
                self._problem(
                    "reordered",
                    position,
                    oid,
                    version,
                    f"first event of the stream appears after version {head[0]}",
                )
            elif link.prev_hash != GENESIS:
                self._problem(
                    "broken_link",
                    position,
                    oid,
                    version,
                    "first event does not chain from the genesis hash",
                )
        elif head is None:
            self._problem(
                "deleted",
                position,
                oid,
                version,
                f"versions 1..{version - 1} of this stream are missing",
            )
        elif head[0] < version - 1:
            missing = (
                f"{head[0] + 1}" if head[0] + 1 == version - 1 else f"{head[0] + 1}..{version - 1}"
            )
            self._problem(
                "deleted", position, oid, version, f"version(s) {missing} missing before it"
            )
        elif head[0] >= version:
            self._problem(
                "reordered",
                position,
                oid,
                version,
                f"appears after version {head[0]} of the same stream",
            )
        elif head[1] is not None and link.prev_hash != head[1]:
            self._problem(
                "broken_link",
                position,
                oid,
                version,
                "prev_hash does not match the hash of the previous event",
            )
        self.heads[oid] = (version, link.hash)

    def orphan_link(self, position: int, oid: UUID | bytes, version: int) -> None:
        """A chain link whose event is gone: the event was deleted."""
        raw = oid.bytes if isinstance(oid, UUID) else oid
        self._problem("deleted", position, raw, version, "event deleted: its chain link remains")

    def finish(self) -> list[Problem]:
        for oid, suspects in self.suspects.items():
            for s in suspects:
                origin = self._original_version(oid, s)
                if origin is not None:
                    self._problem(
                        "reordered",
                        s.position,
                        oid,
                        s.version,
                        f"holds the content recorded as version {origin}",
                    )
                else:
                    self._problem(
                        "modified",
                        s.position,
                        oid,
                        s.version,
                        "stored bytes do not match the event's recorded hash",
                    )
        self.problems.sort(key=lambda p: (p.position is None, p.position or 0, p.kind))
        return self.problems

    def _original_version(self, oid: bytes, s: _Suspect) -> int | None:
        """If this content hashes correctly under another suspect's link, events were swapped."""
        for other in self.suspects[oid]:
            if other is s:
                continue
            if (
                raw_event_hash(other.link.prev_hash, oid, other.version, s.topic, s.state)
                == other.link.hash
            ):
                return other.version
        return None
