"""One contract for both rate limiters: a sliding window that lets exactly `limit` requests
through in any window, per bucket, and does not count the requests it refuses. The memory
limiter runs on a hand-moved clock; the Redis one on real Redis and real time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis

from byosc.ratelimit import (
    MemoryRateLimiter,
    RateLimiter,
    RateLimiterUnavailable,
    RedisRateLimiter,
)

REDIS_URL = "redis://127.0.0.1:6379/9"


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Subject:
    limiter: RateLimiter
    wait: Callable[[float], None]  # lets this much time pass for the limiter


@pytest.fixture(params=["memory", "redis"])
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    if request.param == "memory":
        clock = Clock()

        def advance(seconds: float) -> None:
            clock.now += seconds

        yield Subject(MemoryRateLimiter(clock), advance)
        return
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield Subject(RedisRateLimiter(client), time.sleep)
    finally:
        client.flushdb()
        client.close()


def test_one_request_over_the_limit_is_the_only_one_refused(subject: Subject) -> None:
    decisions = [subject.limiter.hit("chat:key-a", 10, 60.0) for _ in range(11)]
    assert [d.allowed for d in decisions] == [True] * 10 + [False]
    assert [d.remaining for d in decisions[:10]] == list(range(9, -1, -1))
    assert 0 < decisions[-1].retry_after_s <= 60.0


def test_requests_pass_again_once_the_oldest_leaves_the_window(subject: Subject) -> None:
    hit = subject.limiter.hit
    assert all(hit("chat:key-a", 3, 0.5).allowed for _ in range(3))
    refused = hit("chat:key-a", 3, 0.5)
    assert not refused.allowed and 0 < refused.retry_after_s <= 0.5
    subject.wait(refused.retry_after_s + 0.05)
    assert hit("chat:key-a", 3, 0.5).allowed


def test_the_window_slides_instead_of_resetting(subject: Subject) -> None:
    hit = subject.limiter.hit
    assert hit("chat:key-a", 2, 1.0).allowed
    subject.wait(0.6)
    assert hit("chat:key-a", 2, 1.0).allowed
    refused = hit("chat:key-a", 2, 1.0)
    # The first request leaves the window first: about 0.4 s from now, not a whole window.
    assert not refused.allowed and 0.1 < refused.retry_after_s <= 0.4
    subject.wait(refused.retry_after_s + 0.05)
    assert hit("chat:key-a", 2, 1.0).allowed
    # The second request, 0.6 s younger than the first, still fills the window with the third.
    assert not hit("chat:key-a", 2, 1.0).allowed


def test_buckets_are_independent(subject: Subject) -> None:
    hit = subject.limiter.hit
    assert all(hit("chat:key-a", 2, 60.0).allowed for _ in range(2))
    assert not hit("chat:key-a", 2, 60.0).allowed
    assert hit("chat:key-b", 2, 60.0).allowed
    assert hit("admin:key-a", 2, 60.0).allowed


def test_refused_requests_are_not_counted(subject: Subject) -> None:
    hit = subject.limiter.hit
    assert all(hit("chat:key-a", 2, 0.5).allowed for _ in range(2))
    first_refusal = hit("chat:key-a", 2, 0.5)
    subject.wait(0.3)
    # Retrying while refused does not move the wait: it stays tied to the oldest request.
    for _ in range(5):
        assert not hit("chat:key-a", 2, 0.5).allowed
    later = hit("chat:key-a", 2, 0.5)
    assert later.retry_after_s < first_refusal.retry_after_s
    subject.wait(later.retry_after_s + 0.05)
    assert hit("chat:key-a", 2, 0.5).allowed
    assert hit("chat:key-a", 2, 0.5).allowed  # both slots came free: no retry was logged


def test_a_limit_of_zero_refuses_every_request_for_a_window(subject: Subject) -> None:
    refused = subject.limiter.hit("manage:key-a", 0, 30.0)
    assert not refused.allowed and refused.retry_after_s == pytest.approx(30.0)


def test_memory_buckets_expire_after_their_window() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock)
    for n in range(100):
        limiter.hit(f"chat:key-{n}", 5, 10.0)
    assert len(limiter) == 100
    clock.now += 10.0
    limiter.hit("chat:key-new", 5, 10.0)
    assert len(limiter) == 1


def test_redis_keys_expire_with_their_window() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        RedisRateLimiter(client, prefix="rl:").hit("chat:key-a", 5, 2.0)
        assert 0 < client.pttl("rl:chat:key-a") <= 2000
    finally:
        client.flushdb()
        client.close()


def test_redis_down_is_reported_as_unavailable_not_as_a_refusal() -> None:
    limiter = RedisRateLimiter.from_url("redis://127.0.0.1:1/0", timeout_s=0.2)
    with pytest.raises(RateLimiterUnavailable):
        limiter.hit("chat:key-a", 5, 60.0)
    limiter.close()
