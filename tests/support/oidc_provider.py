"""An OpenID Connect provider for tests, on loopback: discovery, JWKS, a sign-in form, the
authorization code flow with PKCE (S256), signed ID tokens (RS256, joserfc), refresh tokens.

No packaged provider installs here, so this one is built from joserfc (Authlib's JOSE
library) and the standard library's HTTP server. Tests steer it: its accounts (subject,
groups, disabled), and a fault for the next ID token it issues (`forge`: signed by a key that
is not in its JWKS; `wrong_audience`; `expired`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Account:
    subject: str
    groups: list[str]
    disabled: bool = False


@dataclass
class Provider:
    client_id: str = "saksi-web"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    accounts: dict[str, Account] = field(default_factory=dict)
    fault: str | None = None  # for the next ID token: forge | wrong_audience | expired
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> username
    port: int = 0

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.rogue = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def id_token(self, username: str, nonce: str | None) -> str:
        account = self.accounts[username]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": account.subject,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "preferred_username": username,
            "groups": account.groups,
        }
        if nonce:
            claims["nonce"] = nonce
        fault, self.fault = self.fault, None
        key = self.rogue if fault == "forge" else self.key
        if fault == "wrong_audience":
            claims["aud"] = "another-client"
        if fault == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        return jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, key)

    def tokens(self, username: str, nonce: str | None) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(24)
        self.refresh[refresh] = username
        return {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "refresh_token": refresh,
            "id_token": self.id_token(username, nonce),
        }


class _Handler(http.server.BaseHTTPRequestHandler):
    provider: ClassVar[Provider]

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: Any, kind: str = "application/json") -> None:
        data = (json.dumps(body) if kind == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        p = self.provider
        url = urlsplit(self.path)
        if url.path == "/.well-known/openid-configuration":
            return self._send(200, p.discovery())
        if url.path == "/jwks":
            return self._send(200, KeySet([p.key]).as_dict(private=False))
        if url.path == "/authorize":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in query.items()
            )
            form = (
                "<!doctype html><title>City IdP</title><form method=post action=/authorize>"
                f"{hidden}<label for=username>User</label><input id=username name=username>"
                "<button type=submit>Sign in to the city</button></form>"
            )
            return self._send(200, form, "text/html")
        return self._send(404, {"error": "not_found"})

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length", "0"))
        return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

    def do_POST(self) -> None:
        p = self.provider
        form = self._form()
        if urlsplit(self.path).path == "/authorize":
            return self._authorize(p, form)
        if urlsplit(self.path).path == "/token":
            with p.lock:
                return self._token(p, form)
        return self._send(404, {"error": "not_found"})

    def _authorize(self, p: Provider, form: dict[str, str]) -> None:
        account = p.accounts.get(form.get("username", ""))
        if account is None or account.disabled or form.get("client_id") != p.client_id:
            return self._send(403, "<p>unknown or disabled account</p>", "text/html")
        if form.get("code_challenge_method") != "S256" or not form.get("code_challenge"):
            return self._send(400, "<p>PKCE S256 is required</p>", "text/html")
        code = secrets.token_urlsafe(24)
        p.codes[code] = {**form, "issued": time.time()}
        target = f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form['state']})}"
        self.send_response(302)
        self.send_header("Location", target)
        self.end_headers()

    def _client_ok(self, p: Provider, form: dict[str, str]) -> bool:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return (user, secret) == (p.client_id, p.client_secret)
        return (form.get("client_id"), form.get("client_secret")) == (
            p.client_id,
            p.client_secret,
        )

    def _token(self, p: Provider, form: dict[str, str]) -> None:
        if not self._client_ok(p, form):
            return self._send(401, {"error": "invalid_client"})
        if form.get("grant_type") == "refresh_token":
            username = p.refresh.pop(form.get("refresh_token", ""), None)
            if username is None or p.accounts[username].disabled:
                return self._send(400, {"error": "invalid_grant"})
            return self._send(200, p.tokens(username, None))
        code = form.get("code", "")
        asked = p.codes.get(code)
        if asked is None or code in p.used_codes:
            return self._send(400, {"error": "invalid_grant", "error_description": "code used"})
        p.used_codes.add(code)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != asked["code_challenge"]:
            return self._send(400, {"error": "invalid_grant", "error_description": "PKCE"})
        if form.get("redirect_uri") != asked["redirect_uri"]:
            return self._send(400, {"error": "invalid_grant", "error_description": "redirect"})
        return self._send(200, p.tokens(asked["username"], asked.get("nonce")))


class RunningProvider:
    """The provider's HTTP server in a thread; `stop()` ends it."""

    def __init__(self, provider: Provider) -> None:
        handler = type("Handler", (_Handler,), {"provider": provider})
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        provider.port = int(self.server.server_address[1])
        self.provider = provider
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
