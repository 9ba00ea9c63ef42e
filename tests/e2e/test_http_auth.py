"""Bearer tokens: hashed at rest, revocable, expiring; failed sign-ins audited, rate-limited."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from archive.accounts import users
from archive.throttle import FailedSignIns
from archive.timefmt import now
from domain.base import Context
from storage.db import Row
from tests.conftest import Archive
from tests.e2e.conftest import Api


def auth_refusals(archive: Archive) -> list[Row]:
    with archive.svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_refusals WHERE action='auth' ORDER BY position")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_valid_token_signs_in_and_the_caller_is_recorded_with_its_address(api: Api) -> None:
    response = api.post(
        "/api/cameras",
        "dodi",
        json={"camera_id": "C-1", "name": "Tugu Muda", "owner": "public", "district": "Tengah"},
    )
    assert response.status_code == 201, response.text
    with api.archive.svc.db.tx(write=False) as tx:
        row = tx.one(f"SELECT state FROM {api.archive.svc.db.events_table} ORDER BY 1 DESC")
    assert row is not None
    assert b'"channel":"http"' in bytes(row["state"]).replace(b" ", b"")
    assert b'"client":"testclient"' in bytes(row["state"]).replace(b" ", b"")


def test_an_unknown_token_is_refused_and_the_attempt_recorded_without_the_token(api: Api) -> None:
    forged = "sks_" + "A" * 43
    response = api.get("/api/clips", headers=bearer(forged))
    assert response.status_code == 401
    [row] = auth_refusals(api.archive)
    assert (row["actor"], row["channel"], row["client"]) == ("anonymous", "http", "testclient")
    assert row["target"] == "http:GET /api/clips"
    assert "unknown token" in row["detail"] and forged not in row["detail"]


def test_a_revoked_token_is_refused_at_once(api: Api) -> None:
    assert api.get("/api/clips", "budi").status_code == 200
    revoked = api.delete("/api/users/budi/token?reason=left%20the%20unit", "ana")
    assert revoked.json() == {"name": "budi", "revoked": True}
    response = api.get("/api/clips", "budi")
    assert response.status_code == 401
    assert auth_refusals(api.archive)[-1]["detail"] == "sign-in with the revoked token of budi"
    assert auth_refusals(api.archive)[-1]["actor"] == "budi"


def test_an_expired_token_is_refused(api: Api) -> None:
    made = users.add_user(
        api.archive.svc, Context("ana"), "fajar", "operator", now() - timedelta(seconds=1)
    )
    response = api.get("/api/clips", headers=bearer(made["token"]))
    assert response.status_code == 401
    assert "expired" in auth_refusals(api.archive)[-1]["detail"]
    # Unknown, revoked and expired tokens get the same answer: no oracle for guessing.
    unknown = api.get("/api/clips", headers=bearer("sks_nope"))
    assert unknown.json() == response.json()


def test_an_admin_adds_a_user_whose_token_works_until_it_expires(api: Api) -> None:
    response = api.post(
        "/api/users", "ana", json={"name": "fajar", "role": "investigator", "expires": "P1D"}
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["name"] == "fajar" and made["token"].startswith("sks_")
    assert now() + timedelta(hours=23) < _time(made["expires"]) < now() + timedelta(days=1)
    assert api.get("/api/cameras", headers=bearer(made["token"])).status_code == 200
    assert (
        api.post("/api/users", "ana", json={"name": "fajar", "role": "operator"}).status_code == 409
    )


def _time(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_only_bearer_tokens_are_accepted(api: Api) -> None:
    basic = api.get("/api/clips", headers={"Authorization": "Basic YW5hOmFuYQ=="})
    assert basic.status_code == 401
    huge = api.get("/api/clips", headers=bearer("x" * 5000))
    assert huge.status_code == 401
    assert "malformed" in auth_refusals(api.archive)[-1]["detail"]


def test_failed_sign_ins_are_recorded_once_a_minute_per_client_with_a_count(api: Api) -> None:
    clock = {"t": 1000.0}
    api.archive.svc.throttles.sign_ins = FailedSignIns(clock=lambda: clock["t"])
    for _ in range(40):  # an attacker guessing tokens
        assert api.get("/api/clips", headers=bearer("sks_guess")).status_code == 401
    assert len(auth_refusals(api.archive)) == 1
    clock["t"] += 61
    api.get("/api/clips", headers=bearer("sks_guess"))
    rows = auth_refusals(api.archive)
    assert len(rows) == 2
    assert "(and 39 more failed sign-ins not recorded one by one)" in rows[1]["detail"]


def _all_stored_text(archive: Archive) -> str:
    """Every value of every table of the archive's database, as text."""
    db = archive.svc.db
    with db.tx(write=False) as tx:
        if db.dialect == "sqlite":
            tables = [
                r["name"] for r in tx.all("SELECT name FROM sqlite_master WHERE type='table'")
            ]
        else:
            tables = [
                r["table_name"]
                for r in tx.all(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            ]
        out = io.StringIO()
        for table in tables:
            for row in tx.all(f'SELECT * FROM "{table}"'):
                for value in row.values():
                    if isinstance(value, (bytes, memoryview)):
                        out.write(bytes(value).decode("latin-1"))
                    else:
                        out.write(str(value))
                    out.write("\n")
    return out.getvalue()


def test_tokens_are_absent_in_clear_from_the_database_and_the_logs(
    api: Api, log_output: io.StringIO
) -> None:
    made = api.post("/api/users", "ana", json={"name": "fajar", "role": "operator"}).json()
    tokens = [*api.archive.tokens.values(), made["token"]]
    for token in tokens:
        api.get("/api/clips", headers=bearer(token))
    api.get("/api/clips", headers=bearer(tokens[0] + "x"))  # a failed sign-in, near a real token
    stored = _all_stored_text(api.archive)
    assert users.hash_token(made["token"]) in stored  # the scan sees what is there: the hash
    logged = log_output.getvalue()
    assert "GET /api/clips 401" in logged and "POST /api/users 201" in logged
    for token in tokens:
        assert token not in stored
        assert token not in logged
        assert token[4:20] not in logged  # not even a fragment


def test_each_request_gets_a_request_id_in_its_response_and_log_line(
    api: Api, log_output: io.StringIO
) -> None:
    given = api.get("/api/clips", "budi", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    made_up = api.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made_up.headers["x-request-id"] != "bad id\twith spaces"
    import json

    lines: list[dict[str, Any]] = [json.loads(x) for x in log_output.getvalue().splitlines()]
    mine = [x for x in lines if x.get("request_id") == "trace-42"]
    assert mine and mine[-1]["user"] == "budi" and mine[-1]["status"] == 200
