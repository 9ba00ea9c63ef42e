"""Loading the aggregates many use cases share, with the errors the interfaces expect.

These take the event store, not the Services: they read, they never decide who may read
(that is the calling use case's guard).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from archive.errors import InvalidInput, NotFound
from domain.case import Case, check_case_id
from domain.clip import Clip
from storage.eventstore.store import Events


def load_case(events: Events, case_id: str) -> Case:
    case = events.find(Case, Case.create_id(check_case_id(case_id)))
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def load_clip(events: Events, clip_id: str) -> Clip:
    try:
        uid = UUID(clip_id)
    except ValueError:
        raise InvalidInput(f"invalid clip id {clip_id!r}") from None
    clip = events.find(Clip, uid)
    if clip is None:
        raise NotFound(f"no clip {clip_id}")
    return clip


def load_cases(events: Events, case_ids: Iterable[str]) -> list[Case]:
    """The cases that exist among `case_ids` (a clip's cases, say), in that order."""
    found = (events.find(Case, Case.create_id(cid)) for cid in case_ids)
    return [c for c in found if c is not None]
