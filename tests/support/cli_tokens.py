"""Tokens for the command line in tests: a user's command proves who runs it with that user's
token (SAKSI_TOKEN), so tests that name `--actor NAME` need NAME's token. The tokens are the
ones the archive printed when it made the users (`init`, `user add`), read from the output
as a person would copy them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

BY_ACTOR = object()  # the default of `cli(..., token=...)`: the token of the --actor named
_TOKEN = re.compile(r"\bsks_[A-Za-z0-9_-]+")


@dataclass
class Tokens:
    known: dict[str, str] = field(default_factory=dict)

    def for_args(self, args: Sequence[str]) -> str | None:
        """The token of the user `--actor NAME` names (None when none is named or known)."""
        actor = actor_named(args)
        return self.known.get(actor) if actor else None

    def remember(self, args: Sequence[str], out: str) -> None:
        """Keep the token `init` or `user add` printed (human or --json output)."""
        found = _TOKEN.search(out)
        if found is None:
            return
        if args[:2] == ("user", "add") and len(args) > 2:
            self.known[args[2]] = found.group(0)
        elif args[:1] == ("init",):
            self.known[_option(args, "--admin") or "admin"] = found.group(0)


def actor_named(args: Sequence[str]) -> str | None:
    return _option(args, "--actor")


def _option(args: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None
