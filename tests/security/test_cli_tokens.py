"""Issue 18, finding 4: the command line no longer believes whoever types a name.

A user's command proves who runs it with that user's token (SAKSI_TOKEN), checked by the same
use case as a bearer token on the API; a missing, wrong or revoked token, or an `--actor` that
is not the token's user, exits 2 and is recorded as a refusal. Bootstrap and host
administration run on the OS account alone, and their records say so (channel `host`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archive.accounts import users
from domain.base import Context
from domain.case import Case
from domain.user import User
from storage.db import Row
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST


def open_case(cli: Any, case_id: str, *extra: str, **kw: Any) -> Any:
    return cli("case", "open", case_id, "--kind", "report", "--title", "112 call", *extra, **kw)


def auth_refusals(archive: Archive) -> list[Row]:
    archive.svc.projector.catch_up()
    with archive.svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_refusals WHERE action='auth' ORDER BY position")


def case_exists(archive: Archive, case_id: str) -> bool:
    return archive.svc.events.find(Case, Case.create_id(case_id)) is not None


def refused(result: Any) -> str:
    assert result.code == 2, (result.code, result.out, result.err)
    assert result.out == "" and result.err.startswith("error: ") and result.err.count("\n") == 1
    return str(result.err)


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        (None, "sign-in with no token (as --actor budi)"),
        ("sks_" + "x" * 43, "sign-in with an unknown token"),
        ("not a token\u00e9", "sign-in with a malformed token"),
    ],
    ids=["missing", "unknown", "malformed"],
)
def test_a_users_command_without_their_token_exits_2_and_is_recorded(
    cli: Any, archive: Archive, token: str | None, detail: str
) -> None:
    before = len(auth_refusals(archive))
    line = refused(open_case(cli, "S-1", "--actor", "budi", token=token))
    assert "token" in line
    assert not case_exists(archive, "S-1")  # nothing done
    [row] = auth_refusals(archive)[before:]
    assert row["detail"] == detail and row["target"] == "cli:saksi case open"
    assert (row["actor"], row["channel"]) == ("anonymous", "cli")
    assert row["client"] == HOST.client  # the local account and host that tried
    assert token is None or token not in str(dict(row))  # never the token itself


def test_another_users_token_does_not_make_the_actor_named(cli: Any, archive: Archive) -> None:
    line = refused(open_case(cli, "S-2", "--actor", "budi", token=archive.tokens["dodi"]))
    assert "--actor budi" in line and "dodi" in line
    assert not case_exists(archive, "S-2")
    row = auth_refusals(archive)[-1]
    assert (row["actor"], row["channel"]) == ("dodi", "cli")
    assert row["detail"] == "--actor budi given with the token of dodi"


def test_a_revoked_token_is_refused_on_the_command_line_as_on_the_api(
    cli: Any, archive: Archive
) -> None:
    token = archive.tokens["eko"]
    users.revoke_token(archive.svc, Context("ana"), "eko", "left the unit")
    refused(open_case(cli, "S-3", token=token))
    assert auth_refusals(archive)[-1]["detail"] == "sign-in with the revoked token of eko"


def test_the_right_token_records_its_user_as_the_actor(cli: Any, archive: Archive) -> None:
    # No --actor at all: the token alone says who acts; with --actor it must agree.
    assert open_case(cli, "S-4", token=archive.tokens["budi"]).code == 0
    assert open_case(cli, "S-5", "--actor", "dodi", token=archive.tokens["dodi"]).code == 0
    for case_id, who in (("S-4", "budi"), ("S-5", "dodi")):
        [opened] = flows.stream(archive.svc, Case.create_id(case_id))[:1]
        state = json.loads(bytes(opened["state"]))
        assert (state["actor"], state["channel"]) == (who, "cli")
        assert state["client"] == HOST.client
    assert auth_refusals(archive) == []


def test_host_administration_runs_as_the_os_account_and_says_so(cli: Any, archive: Archive) -> None:
    # `init` (the archive fixture ran it as the command line does) is recorded as the host's.
    registered = json.loads(bytes(flows.stream(archive.svc, User.create_id("ana"))[0]["state"]))
    assert (registered["actor"], registered["channel"]) == (HOST.actor, "host")
    # Reading the log needs no user (HOST may audit), and no token is asked for.
    assert cli("audit", "verify", "--json", token=None).code == 0
    assert cli("case", "show", "S-6", token=None).code == 2  # unknown id, not a sign-in
    assert auth_refusals(archive) == []
    # A user's action is never HOST's: no token, no sweep (and a refusal on record).
    refused(cli("retention", "sweep", token=None))
    assert auth_refusals(archive)[-1]["detail"] == "sign-in with no token"
