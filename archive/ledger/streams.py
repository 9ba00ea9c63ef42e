"""Checks the per-stream hash chains, fed stored events in notification order.

Pure: the caller reads rows from whatever database and feeds them here, so the same checks
run on SQLite, PostgreSQL and inside an offline evidence-package verifier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from uuid import UUID

from archive.ledger.chain import GENESIS, event_hash


@dataclass(frozen=True)
class Problem:
    kind: str  # modified | deleted | inserted | reordered | broken_link | ...
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
    topic: str
    state: bytes
    link: Link


class StreamChecker:
    def __init__(self) -> None:
        self.heads: dict[UUID, tuple[int, bytes | None]] = {}
        self.links_by_version: dict[tuple[UUID, int], Link] = {}
        self.suspects: dict[UUID, list[_Suspect]] = {}
        self.problems: list[Problem] = []
        self.events = 0

    def _problem(self, kind: str, pos: int | None, oid: UUID, version: int, detail: str) -> None:
        self.problems.append(Problem(kind, pos, str(oid), version, detail))

    def feed(
        self,
        position: int,
        oid: UUID,
        version: int,
        topic: str,
        state: bytes,
        link: Link | None,
    ) -> None:
        self.events += 1
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
        if event_hash(link.prev_hash, oid, version, topic, state) != link.hash:
            self.suspects.setdefault(oid, []).append(
                _Suspect(position, version, topic, state, link)
            )
            self.links_by_version[(oid, version)] = link
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

    def orphan_link(self, position: int, oid: UUID, version: int) -> None:
        """A chain link whose event is gone: the event was deleted."""
        self._problem("deleted", position, oid, version, "event deleted: its chain link remains")

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

    def _original_version(self, oid: UUID, s: _Suspect) -> int | None:
        """If this content hashes correctly under another suspect's link, events were swapped."""
        for other in self.suspects[oid]:
            if other is s:
                continue
            if (
                event_hash(other.link.prev_hash, oid, other.version, s.topic, s.state)
                == other.link.hash
            ):
                return other.version
        return None
