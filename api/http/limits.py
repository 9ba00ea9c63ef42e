"""Request limits of the HTTP API, and the per-token rate limiter of expensive endpoints."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from archive.errors import InvalidInput, Throttled

MIB = 1024 * 1024


@dataclass(frozen=True)
class Rate:
    """A token bucket: `burst` requests at once, refilled at `per_minute`."""

    per_minute: float
    burst: int


@dataclass(frozen=True)
class HttpLimits:
    max_json_bytes: int = 64 * 1024
    max_upload_bytes: int = 4096 * MIB
    upload_idle_s: float = 30.0  # a client that stops sending its upload for this long is cut off
    use_case_timeout_s: float = 60.0  # a use case still running by then: 503 (verify: 10x)
    rates: Mapping[str, Rate] = field(
        default_factory=lambda: {
            "content": Rate(per_minute=240, burst=60),
            "upload": Rate(per_minute=12, burst=6),
            "verify": Rate(per_minute=6, burst=3),
            "write": Rate(per_minute=300, burst=120),  # every POST/PUT/PATCH/DELETE under /api/
        }
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HttpLimits:
        """SAKSI_HTTP_MAX_UPLOAD_MB; SAKSI_HTTP_RATE_<KIND>=PER_MINUTE[/BURST] for each kind
        (CONTENT, UPLOAD, VERIFY, WRITE)."""
        env = os.environ if env is None else env
        base = cls()
        rates = dict(base.rates)
        for name in rates:
            text = env.get(f"SAKSI_HTTP_RATE_{name.upper()}")
            if text:
                rates[name] = _parse_rate(text, name)
        upload = env.get("SAKSI_HTTP_MAX_UPLOAD_MB")
        return cls(
            max_upload_bytes=int(upload) * MIB if upload else base.max_upload_bytes,
            rates=rates,
        )


def _parse_rate(text: str, name: str) -> Rate:
    try:
        per_minute, _, burst = text.partition("/")
        return Rate(float(per_minute), int(burst) if burst else max(1, int(float(per_minute))))
    except ValueError:
        raise InvalidInput(f"SAKSI_HTTP_RATE_{name.upper()}: expected PER_MINUTE[/BURST]") from None


class RateLimiter:
    """Token buckets per (endpoint kind, token); in memory, per server process."""

    def __init__(self, rates: Mapping[str, Rate], clock: Callable[[], float] = time.monotonic):
        self.rates = rates
        self.clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, kind: str, key: str) -> None:
        rate = self.rates[kind]
        now = self.clock()
        with self._lock:
            level, at = self._buckets.get((kind, key), (float(rate.burst), now))
            level = min(float(rate.burst), level + (now - at) * rate.per_minute / 60.0)
            if level < 1.0:
                wait = (1.0 - level) * 60.0 / rate.per_minute
                self._buckets[(kind, key)] = (level, now)
                after = max(1, math.ceil(wait))
                raise Throttled(
                    f"too many {kind} requests with this token; retry in {after} s",
                    retry_after=after,
                )
            self._buckets[(kind, key)] = (level - 1.0, now)
            if len(self._buckets) > 100_000:  # full buckets carry no state worth keeping
                self._buckets = {
                    k: v for k, v in self._buckets.items() if v[0] < self.rates[k[0]].burst - 1
                }
