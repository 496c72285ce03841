"""The token bucket on its own, with a clock the test controls."""
from api.ratelimit import TokenBucketLimiter, retry_after_header


def test_burst_then_steady_rate():
    now = [0.0]
    limiter = TokenBucketLimiter(60, clock=lambda: now[0])  # one token a second, bursts of 60
    assert all(limiter.acquire("a") == 0.0 for _ in range(60))
    wait = limiter.acquire("a")
    assert 0.99 < wait <= 1.0
    assert limiter.acquire("b") == 0.0  # buckets are per key
    now[0] += 1.0
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0
    now[0] += 1000
    assert sum(limiter.acquire("a") == 0.0 for _ in range(100)) == 60  # never more than a minute's worth


def test_zero_disables_and_header_is_whole_seconds():
    assert TokenBucketLimiter(0).acquire("a") == 0.0
    assert retry_after_header(0.2) == "1" and retry_after_header(1.01) == "2"
