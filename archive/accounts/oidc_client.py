"""Talking to the identity provider (OpenID Connect): discovery, the authorization URL with
PKCE, the code exchange and refreshes (Authlib's OAuth 2 client), ID token checks (joserfc).

Every failure is a `ProviderRefused` whose message says what was wrong in words fit for the
log and the refusal event (never a token, a code or a secret), or `ProviderUnavailable` when
the provider could not be reached.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from archive.errors import InvalidInput
from archive.settings import Settings

ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
SCOPE = "openid profile email"
CALLBACK = "/signin/oidc/callback"
CACHE_S = 3600.0
LEEWAY_S = 60


class ProviderRefused(Exception):
    """The provider, or what it sent, is not accepted: the sign-in is refused."""


class ProviderUnavailable(Exception):
    """The provider did not answer."""


@dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    verify: ssl.SSLContext | bool

    @classmethod
    def of(cls, settings: Settings) -> Config | None:
        """None when single sign-on is off; InvalidInput (at start) when half configured."""
        s = settings
        if not s.oidc_issuer:
            return None
        if not (s.oidc_client_id and s.oidc_client_secret and s.oidc_role_map):
            raise InvalidInput(
                "SAKSI_OIDC_ISSUER needs SAKSI_OIDC_CLIENT_ID, SAKSI_OIDC_CLIENT_SECRET_FILE "
                "and SAKSI_OIDC_ROLE_MAP"
            )
        if not s.public_url:
            raise InvalidInput("SAKSI_OIDC_ISSUER needs SAKSI_PUBLIC_URL (the redirect URI)")
        issuer = urlsplit(s.oidc_issuer)
        loopback = issuer.hostname in ("127.0.0.1", "::1", "localhost")
        if issuer.scheme != "https" and not (issuer.scheme == "http" and loopback):
            raise InvalidInput("SAKSI_OIDC_ISSUER: expected https://... (http:// only on loopback)")
        verify = ssl.create_default_context(cafile=s.oidc_ca) if s.oidc_ca else True
        return cls(
            s.oidc_issuer.rstrip("/"),
            s.oidc_client_id,
            s.oidc_client_secret,
            s.public_url.rstrip("/") + CALLBACK,
            verify,
        )

    def client(self) -> OAuth2Client:
        return OAuth2Client(
            self.client_id,
            self.client_secret,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            scope=SCOPE,
            timeout=10,
            verify=self.verify,
        )


_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def _fetch_json(config: Config, url: str, fresh: bool = False) -> Any:
    with _cache_lock:
        hit = _cache.get(url)
    if hit and not fresh and time.monotonic() - hit[0] < CACHE_S:
        return hit[1]
    try:
        response = httpx.get(url, timeout=10, verify=config.verify)
        response.raise_for_status()
        value = response.json()
    except (httpx.HTTPError, ValueError) as e:
        raise ProviderUnavailable(f"identity provider: {type(e).__name__}") from None
    with _cache_lock:
        _cache[url] = (time.monotonic(), value)
    return value


def discovery(config: Config) -> dict[str, Any]:
    doc: dict[str, Any] = _fetch_json(config, f"{config.issuer}/.well-known/openid-configuration")
    if doc.get("issuer", "").rstrip("/") != config.issuer:
        raise ProviderRefused("the provider's discovery document names another issuer")
    return doc


def authorization_url(config: Config, state: str, nonce: str, verifier: str) -> str:
    endpoint = discovery(config)["authorization_endpoint"]
    with config.client() as client:
        url, _ = client.create_authorization_url(
            endpoint, state=state, nonce=nonce, code_verifier=verifier
        )
    return str(url)


def exchange(config: Config, code: str, verifier: str) -> dict[str, Any]:
    """The provider's tokens for an authorization code (refused when used or forged)."""
    endpoint = discovery(config)["token_endpoint"]
    try:
        with config.client() as client:
            token = client.fetch_token(
                endpoint, grant_type="authorization_code", code=code, code_verifier=verifier
            )
    except OAuthError as e:
        raise ProviderRefused(f"the provider refused the code ({e.error})") from None
    except httpx.HTTPError as e:
        raise ProviderUnavailable(f"identity provider: {type(e).__name__}") from None
    return dict(token)


def refresh(config: Config, refresh_token: str) -> dict[str, Any]:
    """A new token set: the provider still accepts the account (ProviderRefused otherwise)."""
    endpoint = discovery(config)["token_endpoint"]
    try:
        with config.client() as client:
            token = client.refresh_token(endpoint, refresh_token=refresh_token)
    except OAuthError as e:
        raise ProviderRefused(f"the provider no longer accepts the account ({e.error})") from None
    except httpx.HTTPError as e:
        raise ProviderUnavailable(f"identity provider: {type(e).__name__}") from None
    return dict(token)


def id_claims(config: Config, id_token: str, nonce: str) -> dict[str, Any]:
    """The claims of an ID token signed by the provider's keys, for this client, unexpired,
    carrying this sign-in's nonce (OpenID Connect Core §3.1.3.7)."""
    keys = KeySet.import_key_set(_fetch_json(config, discovery(config)["jwks_uri"]))
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except BadSignatureError:
        raise ProviderRefused("the ID token's signature does not verify") from None
    except (JoseError, ValueError) as e:
        raise ProviderRefused(f"the ID token cannot be read ({type(e).__name__})") from None
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_S,
        iss={"essential": True, "value": config.issuer},
        aud={"essential": True, "value": config.client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError:
        raise ProviderRefused("the ID token has expired") from None
    except (InvalidClaimError, MissingClaimError) as e:
        raise ProviderRefused(f"the ID token's {e.claim} claim is wrong or missing") from None
    except JoseError as e:
        raise ProviderRefused(f"the ID token is not valid ({type(e).__name__})") from None
    return dict(token.claims)
