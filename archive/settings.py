"""Configuration from the environment (SAKSI_*), with overrides from flags and tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    home: Path
    event_store: str
    object_store: str
    signing_key: Path
    origin: str = "saksi.local/archive"
    pull_root: Path | None = None  # SAKSI_PULL_ROOT: the NVR folders POST .../pull reads
    public_url: str | None = None  # SAKSI_PUBLIC_URL: where recipients reach share links
    tsa_url: str | None = None  # SAKSI_TSA_URL: RFC 3161 time-stamping authority of checkpoints
    tsa_ca: Path | None = None  # SAKSI_TSA_CA: PEM certificate(s) the TSA must chain to

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: str) -> Settings:
        env = {**os.environ, **(env or {})}
        home = Path(overrides.get("home") or env.get("SAKSI_HOME") or "./saksi-data").absolute()
        values = {
            "home": home,
            "event_store": secret(env, "SAKSI_EVENT_STORE") or f"sqlite:///{home}/events.sqlite",
            "object_store": secret(env, "SAKSI_OBJECT_STORE") or f"file://{home}/objects",
            "signing_key": Path(env.get("SAKSI_SIGNING_KEY") or home / "keys" / "checkpoint.key"),
            "origin": env.get("SAKSI_ORIGIN") or "saksi.local/archive",
            "pull_root": env.get("SAKSI_PULL_ROOT") or None,
            "public_url": env.get("SAKSI_PUBLIC_URL") or None,
            "tsa_url": env.get("SAKSI_TSA_URL") or None,
            "tsa_ca": env.get("SAKSI_TSA_CA") or None,
        }
        values.update({k: v for k, v in overrides.items() if k != "home"})
        return cls.model_validate(values)

    def redacted(self) -> dict[str, str]:
        """For logs and status pages: never print passwords or S3 secrets."""
        return {
            "home": str(self.home),
            "event_store": redact_url(self.event_store),
            "object_store": redact_url(self.object_store),
            "signing_key": str(self.signing_key),
            "origin": self.origin,
        }


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
        from archive.errors import InvalidInput

        raise InvalidInput(f"{name}_FILE: cannot read {path}: {e.strerror}") from None


def redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"
