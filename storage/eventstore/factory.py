"""eventsourcing's PostgreSQL factory with the connection options it has no setting for.

The library hands `POSTGRES_HOST` and `POSTGRES_PORT` to libpq as they are, so a list of hosts
(a primary and its standbys) already works; what it cannot say is which of them to settle on
(`target_session_attrs=read-write`: the primary, whichever that is now), nor how long to wait
for one host before the next (`connect_timeout`; the library's own setting of that name is the
pool's wait) or to notice a server that vanished (TCP keepalives). They go into the pool's
connection arguments here, the same ones storage/connection.py gives every other connection,
with the same bound on the pool's reconnection back-off.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, EnvType

from storage.connection import CONNECT_TIMEOUT_S, KEEPALIVES, RECONNECT_ROUND_S

TARGET_SESSION_ATTRS = "POSTGRES_TARGET_SESSION_ATTRS"


class FailoverPostgresFactory(PostgresFactory):
    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        options: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_S, **KEEPALIVES}
        attrs = self.env.get(TARGET_SESSION_ATTRS)
        if attrs:
            options["target_session_attrs"] = attrs
        kwargs = self.datastore.pool.kwargs
        if not isinstance(kwargs, dict):  # the library passes a dict; a change must show
            raise TypeError(f"eventsourcing's pool arguments are a {type(kwargs).__name__}")
        kwargs.update(options)
        self.datastore.pool.reconnect_timeout = RECONNECT_ROUND_S
