"""Finding 12 of issue 18: sign-in rests on the hash-chained log and a key outside the
database, never on rows whoever can write the database may change (rm_users, ui_sessions).

Each test tampers the tables directly, as a DBA, a restored backup or an SQL injection
would, on SQLite and PostgreSQL, and shows that nobody signs in through the change.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi.testclient import TestClient

from archive.accounts import users
from archive.timefmt import now
from tests.e2e import conftest as e2e
from tests.e2e.conftest import Api
from tests.support.ui import Pages

api, log_output = e2e.api, e2e.log_output  # the end-to-end fixtures, shared

FORGED = "sks_" + "F" * 43  # a token the attacker made up and never registered


def run_sql(api: Api, sql: str, params: tuple[object, ...] = ()) -> None:
    with api.archive.svc.db.tx() as tx:
        tx.run(sql, params)


def last_auth_refusal(api: Api) -> dict[str, object]:
    with api.archive.svc.db.tx(write=False) as tx:
        row = tx.one("SELECT * FROM rm_refusals WHERE action='auth' ORDER BY position DESC")
    assert row is not None
    return row


def test_a_token_hash_swapped_into_rm_users_signs_nobody_in(api: Api) -> None:
    # The attacker gives the admin's read-model row the hash of a token of their own.
    run_sql(api, "UPDATE rm_users SET token_hash=? WHERE name='ana'", (users.hash_token(FORGED),))
    response = api.post(
        "/api/users",
        json={"name": "mallory", "role": "admin"},
        headers={"Authorization": f"Bearer {FORGED}"},
    )
    assert response.status_code == 401
    refusal = last_auth_refusal(api)
    # Recorded, but never under the victim's name: only the log names a user.
    assert refusal["actor"] == "anonymous"
    assert "the log does not" in str(refusal["detail"])
    # (Her own token no longer finds her row: a denial of service, which `audit verify`
    # reports as a read model disagreeing with the log, tests/security/test_read_models.py.)


def test_a_role_raised_in_rm_users_grants_nothing(api: Api) -> None:
    run_sql(api, "UPDATE rm_users SET role='admin' WHERE name='eko'")
    made = api.post("/api/users", "eko", json={"name": "mallory", "role": "admin"})
    assert made.status_code == 403, made.text
    pages = Pages(TestClient(api.app, raise_server_exceptions=False))
    pages.sign_in(api.archive.tokens["eko"])
    assert pages.get("/admin/users").status_code == 403


def test_a_revocation_undone_in_rm_users_keeps_the_token_revoked(api: Api) -> None:
    assert api.delete("/api/users/eko/token?reason=left", "ana").status_code == 200
    run_sql(api, "UPDATE rm_users SET revoked=0 WHERE name='eko'")
    assert api.get("/api/clips", "eko").status_code == 401


def test_a_session_row_inserted_into_the_database_signs_nobody_in(api: Api) -> None:
    # A valid row in every respect the database can see: the admin's current token hash, a
    # future expiry, even a MAC copied from a real session of someone else.
    pages = Pages(TestClient(api.app, raise_server_exceptions=False))
    pages.sign_in(api.archive.tokens["eko"])
    with api.archive.svc.db.tx(write=False) as tx:
        real = tx.one("SELECT * FROM ui_sessions")
    assert real is not None
    session_id = "attacker-chosen-session-id"
    start = now()
    run_sql(
        api,
        "INSERT INTO ui_sessions (id_hash, user_name, token_hash, created_at, expires_at, mac) "
        "VALUES (?,?,?,?,?,?)",
        (
            hashlib.sha256(session_id.encode()).hexdigest(),
            "ana",
            users.hash_token(api.archive.tokens["ana"]),
            start.isoformat(),
            (start + timedelta(hours=1)).isoformat(),
            real["mac"],
        ),
    )
    intruder = Pages(TestClient(api.app, raise_server_exceptions=False))
    intruder.client.cookies.set("saksi_session", session_id)
    response = intruder.get("/admin/users")
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")


def test_a_session_moved_to_another_user_or_extended_signs_nobody_in(api: Api) -> None:
    pages = Pages(TestClient(api.app, raise_server_exceptions=False))
    pages.sign_in(api.archive.tokens["eko"])
    assert pages.get("/clips").status_code == 200  # the untouched session works
    ana_hash = users.hash_token(api.archive.tokens["ana"])
    run_sql(api, "UPDATE ui_sessions SET user_name='ana', token_hash=?", (ana_hash,))
    assert pages.get("/admin/users").status_code == 303

    pages.sign_in(api.archive.tokens["eko"])
    later = (now() + timedelta(days=365)).isoformat()
    run_sql(api, "UPDATE ui_sessions SET expires_at=?", (later,))
    assert pages.get("/clips").status_code == 303


def test_the_session_key_lives_outside_the_database(api: Api) -> None:
    pages = Pages(TestClient(api.app, raise_server_exceptions=False))
    pages.sign_in(api.archive.tokens["eko"])
    key_file = api.archive.svc.settings.session_key_file
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
    key = key_file.read_text().strip()
    with api.archive.svc.db.tx(write=False) as tx:
        assert key not in str(tx.all("SELECT * FROM ui_sessions"))
