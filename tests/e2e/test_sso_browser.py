"""Single sign-on in a real browser (Playwright, Debian's Chromium) against a real OpenID
Connect provider on loopback (tests/support/oidc_provider.py), on PostgreSQL: groups map to
roles, users are created as recorded events, sign-in and sign-out are recorded with the
provider's subject, a disabled account's session ends at its next check, and a forged ID
token, a wrong audience, an expired token and a replayed callback are each refused and
recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from archive.settings import Settings
from archive.throttle import FailedSignIns
from domain.user import User
from tests.e2e import test_ui_browser
from tests.e2e.conftest import Api
from tests.support.flows import stream
from tests.support.oidc_provider import Account, Provider, RunningProvider

browser = test_ui_browser.browser  # the same Debian Chromium fixture, once per module
ROLE_MAP = {"police-investigators": "investigator", "city-auditors": "auditor"}


@pytest.fixture
def store_kind() -> str:
    return "postgres"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    running = RunningProvider(Provider())
    yield running.provider
    running.stop()


@pytest.fixture
def settings(settings: Settings, provider: Provider, server_port: int) -> Settings:
    provider.accounts = {
        "rina": Account("sub-rina-7f3a", ["staff", "police-investigators"]),
        "tono": Account("sub-tono-19c2", ["city-auditors"]),
        "yudi": Account("sub-yudi-55e0", ["parks"]),  # no group Saksi maps
    }
    return settings.model_copy(
        update={
            "public_url": f"http://127.0.0.1:{server_port}",
            "oidc_issuer": provider.issuer,
            "oidc_client_id": provider.client_id,
            "oidc_client_secret": provider.client_secret,
            "oidc_role_map": ROLE_MAP,
        }
    )


@pytest.fixture
def page(browser: Browser, server: Api) -> Iterator[Page]:
    context = browser.new_context(base_url=str(server.client.base_url), locale="en-US")
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in_at_provider(page: Page, username: str) -> None:
    page.goto("/signin")
    page.get_by_role("link", name="Sign in with the city account").click()
    page.get_by_label("User").fill(username)
    page.get_by_role("button", name="Sign in to the city").click()


def user_events(server: Api, name: str) -> list[dict[str, Any]]:
    """The user's stream as stored: each event's type and recorded fields."""
    return [
        {"type": row["topic"].rsplit(".", 1)[-1], **json.loads(bytes(row["state"]))}
        for row in stream(server.archive.svc, User.create_id(name))
    ]


def sso_refusals(server: Api) -> list[str]:
    with server.archive.svc.db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT detail FROM rm_refusals WHERE action='auth' AND target='ui:oidc' "
            "ORDER BY position"
        )
    return [str(r["detail"]) for r in rows]


def test_sso_maps_groups_to_roles_records_sign_ins_and_refuses_forgeries(
    page: Page, server: Api, provider: Provider
) -> None:
    clock = {"t": 1000.0}  # every refusal recorded: past the per-client limit of one a minute
    server.archive.svc.throttles.sign_ins = FailedSignIns(clock=lambda: clock["t"])
    callbacks: list[str] = []
    page.on(
        "request", lambda r: callbacks.append(r.url) if "/signin/oidc/callback" in r.url else None
    )

    # First sign-in: the user is created, linked to the provider's subject, signed in.
    sign_in_at_provider(page, "rina")
    expect(page.get_by_text("Signed in as rina")).to_be_visible()
    assert page.url.endswith("/clips")
    events = user_events(server, "rina")
    assert [e["type"] for e in events] == ["UserRegistered", "IdentityLinked", "SignedIn"]
    assert events[0]["role"] == "investigator" and events[0]["token_hash"] == ""
    assert {e["subject"] for e in events[1:]} == {"sub-rina-7f3a"}
    assert all(e["actor"] == "rina" and e["channel"] == "http" for e in events)

    # Sign-out is recorded with the subject; the old callback replayed is refused.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    signed_out = user_events(server, "rina")[-1]
    assert (signed_out["type"], signed_out["subject"]) == ("SignedOut", "sub-rina-7f3a")
    page.goto(callbacks[-1])
    expect(page.get_by_text("Signing in with the city account was refused")).to_be_visible()
    assert "used or expired sign-in state" in sso_refusals(server)[-1]

    # Another group maps to another role.
    sign_in_at_provider(page, "tono")
    expect(page.get_by_text("Signed in as tono")).to_be_visible()
    assert user_events(server, "tono")[0]["role"] == "auditor"
    page.get_by_role("button", name="Sign out").click()

    # Forged, for another client, expired, and a user with no mapped group: refused, recorded.
    cases = [
        ("forge", "rina", "signature does not verify"),
        ("wrong_audience", "rina", "aud claim"),
        ("expired", "rina", "has expired"),
        (None, "yudi", "no Saksi role for the groups of yudi"),
    ]
    for fault, who, detail in cases:
        clock["t"] += 61
        provider.fault = fault
        sign_in_at_provider(page, who)
        expect(page.get_by_text("Signing in with the city account was refused")).to_be_visible()
        assert detail in sso_refusals(server)[-1], sso_refusals(server)
    assert len(sso_refusals(server)) == 5
    assert not any(provider.client_secret in d for d in sso_refusals(server))
    assert user_events(server, "yudi") == []

    # Her groups change at the provider: her role follows at her next sign-in.
    provider.accounts["rina"].groups = ["city-auditors"]
    sign_in_at_provider(page, "rina")
    expect(page.get_by_text("Signed in as rina")).to_be_visible()
    changed = [e for e in user_events(server, "rina") if e["type"] == "RoleChanged"]
    assert [e["role"] for e in changed] == ["auditor"]

    # The provider disables rina: her session ends at its next check, recorded as such.
    provider.accounts["rina"].disabled = True
    with server.archive.svc.db.tx() as tx:  # the check falls due (SAKSI_OIDC_RECHECK)
        tx.run("UPDATE oidc_sessions SET next_check = '2000-01-01T00:00:00+00:00'")
    page.goto("/clips")
    expect(page.get_by_label("Access token")).to_be_visible()  # back at the sign-in page
    last = user_events(server, "rina")[-1]
    assert (last["type"], last["subject"]) == ("SignedOut", "sub-rina-7f3a")
    assert "no longer accepts the account" in last["why"]
