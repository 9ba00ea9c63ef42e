"""SAKSI_EVENT_STORE=postgresql://USER[:PASS]@HOST[:PORT][,HOST2[:PORT2]...]/DB[?schema=NAME]
[&target_session_attrs=...] is read exactly, and every connection (the library's pool, the
read models' pool, the locks) is made to the same hosts with the same options."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing.postgres import PostgresFactory

from storage.connection import RECONNECT_ROUND_S, EventStoreUrl
from storage.eventstore.factory import FailoverPostgresFactory


def test_one_host_reads_as_before() -> None:
    url = EventStoreUrl.parse("postgresql://saksi:p%40ss@db.local:6432/evidence?schema=s1")
    assert (url.hosts, url.user, url.password, url.dbname, url.schema) == (
        (("db.local", 6432),), "saksi", "p@ss", "evidence", "s1",
    )  # fmt: skip
    assert url.target_session_attrs is None  # one host: libpq's default
    assert EventStoreUrl.parse("postgresql://u@db.local/x").hosts == (("db.local", 5432),)


def test_a_primary_and_its_standby_are_tried_in_order_for_the_one_that_takes_writes() -> None:
    url = EventStoreUrl.parse("postgresql://saksi:pw@pg-a:5432,pg-b:5433,[::1]/saksi?schema=s")
    assert url.hosts == (("pg-a", 5432), ("pg-b", 5433), ("::1", 5432))
    assert url.target_session_attrs == "read-write"  # the default for a list
    params = psycopg.conninfo.conninfo_to_dict(url.conninfo())
    assert params["host"] == "pg-a,pg-b,::1" and params["port"] == "5432,5433,5432"
    assert params["target_session_attrs"] == "read-write"
    assert url.where == "pg-a:5432,pg-b:5433,[::1]:5432/saksi"  # no password in messages
    env = url.library_env()
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("pg-a,pg-b,::1", "5432,5433,5432")
    assert env["POSTGRES_TARGET_SESSION_ATTRS"] == "read-write"


def test_the_librarys_pool_connects_with_the_same_options() -> None:
    env = EventStoreUrl.parse("postgresql://u:pw@pg-a:1,pg-b:2/db").library_env()
    factory = FailoverPostgresFactory(env)
    try:
        kwargs = factory.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        assert (kwargs["host"], kwargs["port"]) == ("pg-a,pg-b", "1,2")
        assert kwargs["target_session_attrs"] == "read-write"
        assert kwargs["connect_timeout"] > 0 and kwargs["keepalives_idle"] > 0
        assert factory.datastore.pool.reconnect_timeout == RECONNECT_ROUND_S
        assert isinstance(factory, PostgresFactory)
    finally:
        factory.close()


def test_an_explicit_target_session_attrs_wins() -> None:
    url = EventStoreUrl.parse("postgresql://u@a,b/db?target_session_attrs=primary")
    assert url.target_session_attrs == "primary"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@a:x/db",
        "postgresql://u@a:1,/db",
        "postgresql://u@a:70000/db",
        "postgresql://u@a,b/db?target_session_attrs=rw",
        "postgresql://u@a/db?schema=x;drop",
    ],
)
def test_a_malformed_host_list_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        EventStoreUrl.parse(url)
