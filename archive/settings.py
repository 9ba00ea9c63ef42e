"""Configuration from the environment (SAKSI_*), read once into one Settings object.

This is the only module that reads the process environment; the composition root
(archive/bootstrap.py) hands the Settings to everything else, and tests build them directly.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from archive.errors import InvalidInput
from archive.timefmt import parse_duration

MIB = 1024 * 1024
T = TypeVar("T")

# The scheduled jobs' intervals: job name -> (variable, default). Jobs themselves are listed by
# the composition root (archive/bootstrap.py); an interval below one second is refused.
JOB_INTERVALS: dict[str, tuple[str, timedelta]] = {
    "retention-sweep": ("SAKSI_SWEEP_INTERVAL", timedelta(hours=1)),
    "deletion-notice": ("SAKSI_DELETION_NOTICE_INTERVAL", timedelta(days=1)),
    "checkpoint": ("SAKSI_CHECKPOINT_INTERVAL", timedelta(minutes=5)),
    "fixity-audit": ("SAKSI_FIXITY_INTERVAL", timedelta(days=1)),
    "custody-feed": ("SAKSI_FEED_INTERVAL", timedelta(seconds=10)),
    # the quick pass of audit verify and the read-model comparison (archive/audit/ledger_check)
    "ledger-check": ("SAKSI_LEDGER_CHECK_INTERVAL", timedelta(hours=1)),
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    home: Path
    event_store: str
    object_store: str
    signing_key: Path
    # SAKSI_SESSION_KEY: the secret file binding web UI sessions (archive/session_key.py);
    # unset: $SAKSI_HOME/keys/session.key, made on first use.
    session_key: Path | None = None
    origin: str = "saksi.local/archive"
    pull_root: Path | None = None  # SAKSI_PULL_ROOT: the NVR folders POST .../pull reads
    # Recorders (archive/ingest/recorders/): the file of named credentials (never copied into
    # events), how many recorders a pull fetches from at once, and how long a silent one waits.
    credentials: Path | None = None  # SAKSI_CREDENTIALS
    pull_concurrency: int = Field(default=4, ge=1, le=64)  # SAKSI_PULL_CONCURRENCY
    recorder_timeout: timedelta = timedelta(seconds=15)  # SAKSI_RECORDER_TIMEOUT
    # SAKSI_PUBLIC_URL: the archive's public address, the only one share and upload links are
    # made from (never a request's Host header); unset, no link is made.
    public_url: str | None = None
    # SAKSI_TRUSTED_PROXIES: addresses/CIDRs (comma-separated) whose X-Forwarded-For is
    # believed; empty: the peer address is the client, whatever the headers say.
    trusted_proxies: tuple[str, ...] = ()
    # A slow or silent client cannot hold the server (docs/trust-model.md, "Limits"): the
    # request line and headers must arrive within SAKSI_HTTP_HEADER_TIMEOUT of connecting (or
    # of the last response); a request body must average SAKSI_HTTP_BODY_MIN_KBPS once its
    # first SAKSI_HTTP_BODY_GRACE has passed.
    http_header_timeout: timedelta = timedelta(seconds=10)
    http_body_min_bytes_per_s: int = Field(default=8 * 1024, ge=1)
    http_body_grace: timedelta = timedelta(seconds=30)
    # SAKSI_MAP_TILES: the city's own tile server, an http(s) URL template with {z} {x} {y};
    # unset, the map page keeps its offline drawing (no request leaves the archive).
    map_tiles: str | None = None
    tsa_url: str | None = None  # SAKSI_TSA_URL: RFC 3161 time-stamping authority of checkpoints
    tsa_ca: Path | None = None  # SAKSI_TSA_CA: PEM certificate(s) the TSA must chain to
    # SAKSI_TIMESTAMP_MAX_DELAY: a token's genTime this long after its checkpoint was sealed is
    # reported by `audit verify` (a TSA outage longer than this is reported too).
    timestamp_max_delay: timedelta = timedelta(days=1)
    s3_ca_file: Path | None = None  # SSL_CERT_FILE: CA bundle for an S3 server over TLS
    # SAKSI_WITNESSES: a file of witnesses (NAME URL VERIFIER_KEY a line) asked at every seal,
    # each within SAKSI_WITNESS_TIMEOUT (archive/sealing/witnesses.py).
    witnesses: Path | None = None
    # SAKSI_CHROMIUM: the browser that prints the package's custody report as PDF (default:
    # `chromium` on PATH; `none`: packages without the PDF, archive/export/report_pdf.py).
    chromium: str | None = None
    witness_timeout: timedelta = timedelta(seconds=5)
    # Retention (retention/): the recovery window of safe deletion, the grace an unreferenced
    # object gets before the sweep deletes it, and clips per sweep transaction.
    recovery_window: timedelta = timedelta(days=7)
    orphan_grace: timedelta = timedelta(days=1)
    sweep_batch: int = Field(default=100, ge=1)
    # Long-running processes: read-model catch-up, and each scheduled job's interval.
    catchup_interval: timedelta = timedelta(seconds=2)
    job_intervals: dict[str, timedelta] = Field(
        default_factory=lambda: {name: default for name, (_, default) in JOB_INTERVALS.items()}
    )
    # Upload links of footage requests: lifetime, size limit, and when a claim is abandoned.
    request_link_ttl: timedelta = timedelta(hours=72)
    request_upload_max_bytes: int = Field(default=2048 * MIB, gt=0)
    request_upload_stale: timedelta = timedelta(hours=2)
    # The custody feed for a SIEM (archive/ops/feed.py, docs/integrations.md): syslog
    # (tcp://HOST:PORT or tls://HOST:PORT) and/or a webhook (https://...), the CA bundle that
    # verifies them, the webhook's bearer token, events per batch and the time a receiver gets.
    feed_syslog: str | None = None  # SAKSI_FEED_SYSLOG
    feed_webhook: str | None = None  # SAKSI_FEED_WEBHOOK
    feed_ca: Path | None = None  # SAKSI_FEED_CA
    feed_webhook_token: str | None = None  # SAKSI_FEED_WEBHOOK_TOKEN[_FILE]
    feed_batch: int = Field(default=500, ge=1)  # SAKSI_FEED_BATCH
    feed_timeout: timedelta = timedelta(seconds=10)  # SAKSI_FEED_TIMEOUT
    # Single sign-on for the web UI (archive/accounts/oidc.py, docs/integrations.md): the
    # provider's issuer URL, this client's id and secret, the claim whose values map to roles
    # (`group=role,...`), the claim naming the user, and how often a session is re-checked.
    oidc_issuer: str | None = None  # SAKSI_OIDC_ISSUER
    oidc_client_id: str | None = None  # SAKSI_OIDC_CLIENT_ID
    oidc_client_secret: str | None = None  # SAKSI_OIDC_CLIENT_SECRET[_FILE]
    oidc_role_claim: str = "groups"  # SAKSI_OIDC_ROLE_CLAIM
    oidc_role_map: dict[str, str] = Field(default_factory=dict)  # SAKSI_OIDC_ROLE_MAP
    oidc_name_claim: str = "preferred_username"  # SAKSI_OIDC_NAME_CLAIM
    oidc_recheck: timedelta = timedelta(minutes=5)  # SAKSI_OIDC_RECHECK
    oidc_ca: Path | None = None  # SAKSI_OIDC_CA: CA bundle of the provider's TLS certificate

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = {**os.environ, **(env or {})}
        home = Path(overrides.get("home") or env.get("SAKSI_HOME") or "./saksi-data").absolute()
        values: dict[str, Any] = {
            "home": home,
            "event_store": secret(env, "SAKSI_EVENT_STORE") or f"sqlite:///{home}/events.sqlite",
            "object_store": secret(env, "SAKSI_OBJECT_STORE") or f"file://{home}/objects",
            "signing_key": Path(env.get("SAKSI_SIGNING_KEY") or home / "keys" / "checkpoint.key"),
            "session_key": env.get("SAKSI_SESSION_KEY") or None,
            "origin": env.get("SAKSI_ORIGIN") or "saksi.local/archive",
            "pull_root": env.get("SAKSI_PULL_ROOT") or None,
            "credentials": env.get("SAKSI_CREDENTIALS") or None,
            "tsa_url": env.get("SAKSI_TSA_URL") or None,
            "tsa_ca": env.get("SAKSI_TSA_CA") or None,
            "s3_ca_file": env.get("SSL_CERT_FILE") or None,
            "witnesses": env.get("SAKSI_WITNESSES") or None,
            "feed_syslog": env.get("SAKSI_FEED_SYSLOG") or None,
            "feed_webhook": env.get("SAKSI_FEED_WEBHOOK") or None,
            "feed_ca": env.get("SAKSI_FEED_CA") or None,
            "feed_webhook_token": secret(env, "SAKSI_FEED_WEBHOOK_TOKEN"),
            "oidc_issuer": env.get("SAKSI_OIDC_ISSUER") or None,
            "oidc_client_id": env.get("SAKSI_OIDC_CLIENT_ID") or None,
            "oidc_client_secret": secret(env, "SAKSI_OIDC_CLIENT_SECRET"),
            "oidc_role_claim": env.get("SAKSI_OIDC_ROLE_CLAIM") or "groups",
            "oidc_name_claim": env.get("SAKSI_OIDC_NAME_CLAIM") or "preferred_username",
            "oidc_ca": env.get("SAKSI_OIDC_CA") or None,
            "chromium": env.get("SAKSI_CHROMIUM") or None,
        }
        read = _Reader(env, values)
        read("public_url", "SAKSI_PUBLIC_URL", _public_url)
        read("trusted_proxies", "SAKSI_TRUSTED_PROXIES", _networks)
        read("http_header_timeout", "SAKSI_HTTP_HEADER_TIMEOUT", _duration_at_least(0.1))
        read("http_body_min_bytes_per_s", "SAKSI_HTTP_BODY_MIN_KBPS", _kib)
        read("http_body_grace", "SAKSI_HTTP_BODY_GRACE", _duration_at_least(0.1))
        read("recovery_window", "SAKSI_RECOVERY_WINDOW", _duration)
        read("orphan_grace", "SAKSI_ORPHAN_GRACE", _duration)
        read("sweep_batch", "SAKSI_SWEEP_BATCH", _positive_count("clips"))
        read("catchup_interval", "SAKSI_CATCHUP_INTERVAL", _duration_at_least(0.1))
        read("witness_timeout", "SAKSI_WITNESS_TIMEOUT", _duration_at_least(0.1))
        read("timestamp_max_delay", "SAKSI_TIMESTAMP_MAX_DELAY", _positive_duration)
        read("request_link_ttl", "SAKSI_REQUEST_LINK_TTL", _positive_duration)
        read("request_upload_max_bytes", "SAKSI_REQUEST_UPLOAD_MAX_MB", _mib)
        read("request_upload_stale", "SAKSI_REQUEST_UPLOAD_STALE", _positive_duration)
        read("pull_concurrency", "SAKSI_PULL_CONCURRENCY", _positive_count("recorders"))
        read("map_tiles", "SAKSI_MAP_TILES", _tile_template)
        read("recorder_timeout", "SAKSI_RECORDER_TIMEOUT", _duration_at_least(1))
        read("feed_batch", "SAKSI_FEED_BATCH", _positive_count("events"))
        read("feed_timeout", "SAKSI_FEED_TIMEOUT", _duration_at_least(1))
        read("oidc_role_map", "SAKSI_OIDC_ROLE_MAP", _role_map)
        read("oidc_recheck", "SAKSI_OIDC_RECHECK", _duration_at_least(1))
        intervals = {}
        for name, (variable, default) in JOB_INTERVALS.items():
            text = env.get(variable)
            intervals[name] = _duration_at_least(1)(text, variable) if text else default
        values["job_intervals"] = intervals
        values.update({k: v for k, v in overrides.items() if k != "home"})
        return cls.model_validate(values)

    @property
    def session_key_file(self) -> Path:
        return self.session_key or self.home / "keys" / "session.key"

    def job_interval(self, name: str) -> timedelta:
        default = JOB_INTERVALS[name][1] if name in JOB_INTERVALS else timedelta(hours=1)
        return self.job_intervals.get(name, default)

    def redacted(self) -> dict[str, str]:
        """For logs and status pages: never print passwords or S3 secrets."""
        return {
            "home": str(self.home),
            "event_store": redact_url(self.event_store),
            "object_store": redact_url(self.object_store),
            "signing_key": str(self.signing_key),
            "origin": self.origin,
        }


class ClientSettings(BaseModel):
    """What the command line itself needs (not the archive): the user's token and, for the
    workstation mode, the server to talk to. Read once per command, like Settings."""

    model_config = ConfigDict(frozen=True)

    token: str | None = Field(default=None, repr=False)  # SAKSI_TOKEN (or SAKSI_TOKEN_FILE)
    server: str | None = None  # SAKSI_SERVER: run user commands through this server's API

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ClientSettings:
        env = {**os.environ, **(env or {})}
        return cls(token=secret(env, "SAKSI_TOKEN"), server=env.get("SAKSI_SERVER") or None)


class _Reader:
    """Parses one variable into `values` when it is set, naming the variable in any error."""

    def __init__(self, env: Mapping[str, str], values: dict[str, Any]) -> None:
        self.env, self.values = env, values

    def __call__(self, field: str, variable: str, parse: Callable[[str, str], Any]) -> None:
        text = self.env.get(variable)
        if text:
            self.values[field] = parse(text, variable)


def _tile_template(text: str, variable: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{variable} must be an http(s) URL, got {text!r}")
    if not all(p in text for p in ("{z}", "{x}", "{y}")):
        raise InvalidInput(f"{variable} must contain {{z}}, {{x}} and {{y}}, got {text!r}")
    return text.strip()


def _duration(text: str, variable: str) -> timedelta:
    return parse_duration(text, variable)


def _positive_duration(text: str, variable: str) -> timedelta:
    value = parse_duration(text, variable)
    if value <= timedelta(0):
        raise InvalidInput(f"{variable}: expected a positive duration")
    return value


def _duration_at_least(seconds: float) -> Callable[[str, str], timedelta]:
    def parse(text: str, variable: str) -> timedelta:
        value = parse_duration(text, variable)
        if value.total_seconds() < seconds:
            unit = "second" if seconds == 1 else "seconds"
            raise InvalidInput(f"{variable} must be at least {seconds:g} {unit}")
        return value

    return parse


def _positive_count(what: str) -> Callable[[str, str], int]:
    def parse(text: str, variable: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise InvalidInput(f"{variable} must be a positive number of {what}, not {text!r}")
        return int(text)

    return parse


def _role_map(text: str, variable: str) -> dict[str, str]:
    """`group=role,group2=role2`: the first listed group a user has gives the role."""
    out: dict[str, str] = {}
    for item in text.split(","):
        group, sep, role = item.strip().partition("=")
        if not sep or not group.strip() or not role.strip():
            raise InvalidInput(f"{variable}: expected GROUP=ROLE[,GROUP=ROLE...], not {item!r}")
        out[group.strip()] = role.strip()
    return out


def _mib(text: str, variable: str) -> int:
    try:
        value = int(float(text) * MIB)
    except ValueError:
        raise InvalidInput(f"{variable}: expected a number of MiB") from None
    if value <= 0:
        raise InvalidInput(f"{variable}: expected a positive number of MiB")
    return value


NO_PUBLIC_URL = (
    "links are made only from the archive's public address: set SAKSI_PUBLIC_URL "
    "(e.g. https://saksi.example.go.id)"
)


def require_public_url(settings: Settings) -> str:
    """SAKSI_PUBLIC_URL without a trailing '/'; InvalidInput (nothing recorded) without it."""
    if not settings.public_url:
        raise InvalidInput(NO_PUBLIC_URL)
    return settings.public_url.rstrip("/")


def _public_url(text: str, variable: str) -> str:
    """http(s)://HOST[:PORT][/PATH], nothing else: links are built by appending to it."""
    scheme, sep, rest = text.partition("://")
    host = rest.split("/", 1)[0]
    bad = "?" in rest or "#" in rest or "@" in host or any(c.isspace() for c in text)
    if scheme.lower() not in ("http", "https") or not sep or not host or bad:
        raise InvalidInput(f"{variable}: expected http(s)://HOST[:PORT][/PATH], got {text!r}")
    return text.rstrip("/")


def _networks(text: str, variable: str) -> tuple[str, ...]:
    """Addresses and CIDRs, comma- or space-separated; each one checked."""
    items = tuple(t for t in text.replace(",", " ").split() if t)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise InvalidInput(f"{variable}: {item!r} is not an address or CIDR") from None
    return items


def _kib(text: str, variable: str) -> int:
    try:
        value = int(float(text) * 1024)
    except ValueError:
        raise InvalidInput(f"{variable}: expected a number of KiB per second") from None
    if value <= 0:
        raise InvalidInput(f"{variable}: expected a positive number of KiB per second")
    return value


def secret(env: Mapping[str, str], name: str) -> str | None:
    """NAME, or else the contents of the file NAME_FILE names (Docker and Kubernetes secrets),
    so that passwords in URLs need not sit in the environment of every process."""
    value = env.get(name)
    if value:
        return value
    path = env.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text().strip() or None
    except OSError as e:
        raise InvalidInput(f"{name}_FILE: cannot read {path}: {e.strerror}") from None


def redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"
