"""What every Saksi event records, and the context a command runs in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

CHANNELS = frozenset({"cli", "http", "host", "scheduler", "system"})


class RuleBroken(Exception):
    """A command the domain refuses: the aggregate's state does not allow it."""


class Attribution(TypedDict):
    """The fields every event carries about who acted, how and from where."""

    actor: str
    channel: str
    client: str | None


@dataclass(frozen=True)
class Context:
    """Who acts, through which channel and from where; copied onto every event."""

    actor: str
    channel: str = "cli"
    client: str | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise RuleBroken(f"unknown channel {self.channel!r}")

    def fields(self) -> Attribution:
        return {"actor": self.actor, "channel": self.channel, "client": self.client}


def named_id(kind: str, name: str) -> UUID:
    """Stable aggregate id for things people name themselves (users, cameras, cases)."""
    return uuid5(NAMESPACE_URL, f"saksi:{kind}:{name}")


class Attributed(Aggregate):
    """Base aggregate whose events all carry actor, channel and client address."""

    class Event(Aggregate.Event):
        actor: str
        channel: str
        client: str | None

    class Created(Event, Aggregate.Created):
        pass
