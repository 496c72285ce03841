"""Per-key token bucket: in memory (one API process), or in Redis when ``HAI_REDIS_URL`` is set, so that
every API worker of a cluster takes from the same bucket (``make_limiter``).

A bucket holds up to ``per_minute`` tokens and refills at ``per_minute / 60`` tokens a second, so a caller
may burst a minute's worth at once and then keeps to the rate. A request takes one token.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class _PerMinuteLimit:
    """What both limiters share: the rate, "0 = off", and ``acquire`` (0.0 when allowed, else the seconds until
    a token is available); ``_take_token`` is where the bucket lives."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = int(per_minute)
        self.rate = self.per_minute / 60.0  # tokens per second

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def acquire(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds until one is available."""
        return self._take_token(key) if self.enabled else 0.0

    def _take_token(self, key: str) -> float:
        raise NotImplementedError


class TokenBucketLimiter(_PerMinuteLimit):
    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        super().__init__(per_minute)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _take_token(self, key: str) -> float:
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


# One bucket as a Redis hash {tokens, updated}; refill and take in one script, so two workers never both take
# the last token. Redis's own clock: the workers' clocks may differ. Returns the wait in seconds (a string:
# Lua numbers come back as integers).
_TAKE = """
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(b[1]) or cap
local updated = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(cap / rate) + 1)
return tostring(wait)
"""


class RedisTokenBucketLimiter(_PerMinuteLimit):
    """The same bucket as :class:`TokenBucketLimiter`, kept in Redis and shared by every API worker.

    If Redis cannot be reached the request is let through (logged): an outage of the limiter must not take
    the API down with it."""

    PREFIX = "hai:ratelimit:"

    def __init__(self, per_minute: int, redis_url: str) -> None:
        import redis

        super().__init__(per_minute)
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._take = self._redis.register_script(_TAKE)

    def _take_token(self, key: str) -> float:
        import redis

        try:
            return float(self._take(keys=[self.PREFIX + key], args=[self.per_minute, self.rate]))
        except redis.RedisError as exc:
            log.warning("batas permintaan tidak diperiksa: Redis tidak terjangkau (%s)", exc)
            return 0.0


def make_limiter(per_minute: int, redis_url: str = "") -> TokenBucketLimiter | RedisTokenBucketLimiter:
    """The API's limiter: shared in Redis when ``redis_url`` is set, else this process's own."""
    return RedisTokenBucketLimiter(per_minute, redis_url) if redis_url else TokenBucketLimiter(per_minute)
