"""FastAPI dependencies: the Services, the caller's Context, running use cases, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.limits import HttpLimits, RateLimiter
from api.http.middleware import CONTEXT_KEY
from archive.errors import InvalidInput, Unauthenticated, Unavailable
from archive.services import Services
from domain.base import Context

T = TypeVar("T")

# Declares the scheme in OpenAPI; the Authenticate middleware has already checked the token.
bearer = HTTPBearer(
    auto_error=False, description="A token from `saksi user add` or POST /api/users"
)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_context(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Context:
    ctx: Context | None = request.scope.get("state", {}).get(CONTEXT_KEY)
    if ctx is None:
        raise Unauthenticated("a bearer token is required: Authorization: Bearer TOKEN")
    return ctx


class Runner:
    """Runs a use case in a worker thread with the Services, under a deadline.

    A use case past its deadline answers 503; its thread is abandoned and finishes on its own,
    so a write may still complete (the message says so)."""

    def __init__(self, services: Services, limits: HttpLimits) -> None:
        self.services, self.limits = services, limits

    async def __call__(
        self, use_case: Callable[..., T], *args: Any, timeout_factor: float = 1.0, **kwargs: Any
    ) -> T:
        deadline = self.limits.use_case_timeout_s * timeout_factor
        call = partial(use_case, self.services, *args, **kwargs)
        try:
            with anyio.fail_after(deadline):
                return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        except TimeoutError:
            raise Unavailable(
                f"the archive did not answer within {deadline:.0f} s; a change may still complete"
            ) from None


def get_runner(request: Request) -> Runner:
    return Runner(get_services(request), request.app.state.limits)


def reject_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is a client mistake: say so (422)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        known |= {f.alias for f in current.query_params}
        pending.extend(current.dependencies)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidInput(f"unknown query parameter {unknown[0]!r}")


def throttle(kind: str) -> Callable[[Request, Context], None]:
    """A dependency taking one request of `kind` from the caller's token bucket (429 if empty)."""

    def take(request: Request, ctx: Annotated[Context, Depends(get_context)]) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        limiter.take(kind, ctx.actor)

    return take


Svc = Annotated[Services, Depends(get_services)]
Ctx = Annotated[Context, Depends(get_context)]
Run = Annotated[Runner, Depends(get_runner)]
