"""The rate limit in Redis (HAI_REDIS_URL): two limiters, as two API workers would hold, share one bucket.
A real redis-server (Debian's, `make cluster-packages`) on a free loopback port with its own folder."""
from __future__ import annotations

import threading

import pytest

from api.ratelimit import RedisTokenBucketLimiter, TokenBucketLimiter, make_limiter
from hai.cluster import find_program
from hai.processes import Service, ServiceError
from testkit.stack import free_port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    try:
        program = find_program("redis-server")
    except ServiceError as exc:
        pytest.fail(f"{exc} (make cluster-packages)")
    folder, port = tmp_path_factory.mktemp("redis"), free_port()
    server = Service(name="redis", port=port, health_url=f"tcp://127.0.0.1:{port}", log_file=folder / "redis.log",
                     cmd=[program, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder), "--save", ""])
    server.start(cwd=folder)
    try:
        server.wait_healthy()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.stop()


def test_two_workers_take_from_one_bucket(redis_url):
    first, second = RedisTokenBucketLimiter(10, redis_url), RedisTokenBucketLimiter(10, redis_url)
    waits = [(first if i % 2 else second).acquire("key-a") for i in range(14)]
    assert waits[:10] == [0.0] * 10
    assert all(w > 0 for w in waits[10:])
    assert 5.0 < waits[-1] <= 6.0  # 10 a minute: the next token within 6 s
    assert first.acquire("key-b") == 0.0  # buckets are per key


def test_concurrent_takes_never_exceed_the_bucket(redis_url):
    limiters = [RedisTokenBucketLimiter(20, redis_url) for _ in range(4)]
    allowed = []

    def take(limiter):
        for _ in range(10):
            if limiter.acquire("key-c") == 0.0:
                allowed.append(1)

    threads = [threading.Thread(target=take, args=(limiter,)) for limiter in limiters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 20  # 40 tries, 20 tokens (the refill in this second is under one)


def test_unreachable_redis_lets_requests_through_and_no_url_means_in_process():
    assert RedisTokenBucketLimiter(1, f"redis://127.0.0.1:{free_port()}/0").acquire("k") == 0.0
    assert isinstance(make_limiter(5, ""), TokenBucketLimiter)
    assert RedisTokenBucketLimiter(0, "redis://127.0.0.1:1/0").acquire("k") == 0.0
