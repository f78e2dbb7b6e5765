"""Per-client rate limits: a token bucket per client key, in this process's memory.

The client key (chosen by the edge middleware) is the session token's hash when the request carries
a session this worker has seen live, else the peer address; so one noisy borrower cannot starve
the others, and neither signing in again nor a made-up token resets a limit that an anonymous
flood is spending. Each worker process keeps its own buckets: with N workers a
client gets up to N times the rate, which the limit is set with in mind (docs/api.md).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

CLIENTS_TRACKED_MAX = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: int, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        assert rate_per_s > 0 and burst >= 1
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the request may go ahead; otherwise the seconds until it could (for Retry-After)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= CLIENTS_TRACKED_MAX:
                    self._forget_full(now)
                bucket = self._buckets[client] = _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate_per_s)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate_per_s

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no information."""
        refill_s = self.burst / self.rate_per_s
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < refill_s}
        if len(self._buckets) >= CLIENTS_TRACKED_MAX:  # all active: forget the oldest half
            kept = sorted(self._buckets.items(), key=lambda item: item[1].updated)[CLIENTS_TRACKED_MAX // 2 :]
            self._buckets = dict(kept)


def retry_after_s(wait_s: float) -> int:
    return max(1, math.ceil(wait_s))
