"""Sliding-window rate limits: at most `limit` requests in any `window_s` seconds per bucket.

Each bucket keeps a log of the times of the requests it let through; a request is allowed
while fewer than `limit` of them are younger than the window. Refused requests are not
logged, so a client that keeps retrying too early does not push its own wait further out.
`MemoryRateLimiter` keeps the logs in this process (embedded profile, one gateway);
`RedisRateLimiter` in Redis, shared by every gateway replica.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import redis


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: int  # requests still allowed in the window after this one
    retry_after_s: float  # refused: when the oldest logged request leaves the window; else 0


class RateLimiterUnavailable(Exception):
    """The limiter's store cannot be reached; the caller decides whether to let requests by."""


class RateLimiter(Protocol):
    def hit(self, bucket: str, limit: int, window_s: float) -> RateDecision:
        """Logs one request in `bucket` if the limit allows it."""
        ...


@dataclass
class _Log:
    times: deque[float]
    expires_at: float


class MemoryRateLimiter:
    """Logs in a dict, guarded by one lock. A bucket whose newest request has left its window
    is dropped on the next sweep (at most one sweep per window), so memory stays bounded by
    the callers active within a window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._logs: dict[str, _Log] = {}
        self._lock = threading.Lock()
        self._next_sweep = float("-inf")

    def hit(self, bucket: str, limit: int, window_s: float) -> RateDecision:
        with self._lock:
            now = self._clock()
            self._sweep(now, window_s)
            log = self._logs.get(bucket)
            if log is None:
                log = self._logs[bucket] = _Log(deque(), now + window_s)
            times = log.times
            while times and times[0] <= now - window_s:
                times.popleft()
            if len(times) >= limit:
                retry = times[0] + window_s - now if times else window_s
                return RateDecision(False, 0, retry)
            times.append(now)
            log.expires_at = now + window_s
            return RateDecision(True, limit - len(times), 0.0)

    def __len__(self) -> int:
        """Buckets held: what the sweep keeps bounded."""
        return len(self._logs)

    def _sweep(self, now: float, window_s: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + window_s
        for bucket in [b for b, log in self._logs.items() if log.expires_at <= now]:
            del self._logs[bucket]


# One atomic step per request: drop the times that left the window, then log this request
# if there is room. Times come from the Redis server's clock, so replicas whose clocks
# disagree still share one window. Scores and the returned wait are in microseconds;
# numbers go to redis.call through '%d' because Lua would write them with 14 digits only.
_HIT_SCRIPT = """
local key = KEYS[1]
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now - window))
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, string.format('%d', now), ARGV[3])
  redis.call('PEXPIRE', key, string.format('%d', math.ceil(window / 1000)))
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if oldest[2] == nil then
  return {0, 0, window}
end
return {0, 0, tonumber(oldest[2]) + window - now}
"""


class RedisRateLimiter:
    """One sorted set per bucket (member: a unique request ID, score: its time), updated by
    one Lua script; a bucket's key expires when its newest request leaves the window."""

    def __init__(self, client: redis.Redis, prefix: str = "byosc:ratelimit:") -> None:
        import redis

        self._errors = redis.RedisError
        self._client = client
        self._prefix = prefix
        self._hit = client.register_script(_HIT_SCRIPT)

    @classmethod
    def from_url(cls, url: str, timeout_s: float = 0.5) -> RedisRateLimiter:
        """A client with short timeouts: a slow Redis must not hold every request up."""
        import redis

        client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        return cls(client)

    def hit(self, bucket: str, limit: int, window_s: float) -> RateDecision:
        window_us = max(1, round(window_s * 1_000_000))
        try:
            allowed, remaining, retry_us = self._hit(
                keys=[self._prefix + bucket], args=[window_us, limit, uuid.uuid4().hex]
            )
        except self._errors as exc:
            raise RateLimiterUnavailable(f"Redis: {exc}") from exc
        return RateDecision(bool(allowed), int(remaining), int(retry_us) / 1_000_000)

    def close(self) -> None:
        self._client.close()
