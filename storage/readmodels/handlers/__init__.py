"""Read-model handlers by subject; importing this package registers every one of them."""

from storage.readmodels.handlers import (
    cameras,
    cases,
    clips,
    policies,
    recovery,
    redactions,
    refusals,
    requests,
    retention,
    shares,
    users,
)

__all__ = [
    "cameras",
    "cases",
    "clips",
    "policies",
    "recovery",
    "redactions",
    "refusals",
    "requests",
    "retention",
    "shares",
    "users",
]
