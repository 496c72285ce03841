"""Per-key token bucket, in memory (one per API process; with several workers each keeps its own).

A bucket holds up to ``per_minute`` tokens and refills at ``per_minute / 60`` tokens a second, so a caller
may burst a minute's worth at once and then keeps to the rate. A request takes one token.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.per_minute = int(per_minute)
        self.rate = self.per_minute / 60.0  # tokens per second
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def acquire(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds until one is available."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) > 100_000:  # forget idle callers rather than grow without bound
                    self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < 60}
                bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


def retry_after_header(wait_s: float) -> str:
    """Whole seconds, at least 1 (the header takes an integer)."""
    return str(max(1, math.ceil(wait_s)))
