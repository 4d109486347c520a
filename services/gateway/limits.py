"""Rate limits per caller and route class: a dependency each route runs after its guard, so
the caller is known. Limits come from settings.gateway.rate_limits; a class without a
limit there is not limited."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from functools import partial

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from byosc.auth.access import Access
from byosc.ratelimit import (
    MemoryRateLimiter,
    RateDecision,
    RateLimiter,
    RateLimiterUnavailable,
)
from byosc.settings import RateLimitSettings

log = logging.getLogger(__name__)


class FailOpen:
    """Lets every request through while the wrapped limiter's store is down: refusing all
    traffic because Redis is unreachable would turn a counter outage into an API outage.
    Warns once per `quiet_s` rather than once per request."""

    def __init__(self, limiter: RateLimiter, quiet_s: float = 30.0) -> None:
        self.limiter = limiter
        # Counting in memory takes microseconds; only a store across the network blocks.
        self.blocks = not isinstance(limiter, MemoryRateLimiter)
        self._quiet_s = quiet_s
        self._warned_at = float("-inf")

    def hit(self, bucket: str, limit: int, window_s: float) -> RateDecision:
        try:
            return self.limiter.hit(bucket, limit, window_s)
        except RateLimiterUnavailable as exc:
            now = time.monotonic()
            if now - self._warned_at >= self._quiet_s:
                self._warned_at = now
                log.warning("rate limits not enforced, the limiter is unavailable: %s", exc)
            return RateDecision(True, limit, 0.0)


def rate_limit(access: Access) -> Callable[[Request], Awaitable[None]]:
    """A dependency that answers 429 with Retry-After once the caller has used up its
    requests of this route class in the window. A Redis round trip runs in a worker
    thread, so it does not block the event loop; counting in memory runs inline."""

    async def limit_rate(request: Request) -> None:
        settings: RateLimitSettings = request.app.state.settings.gateway.rate_limits
        limit = settings.per_class.get(access)
        if not settings.enabled or limit is None:
            return
        limiter: FailOpen = request.app.state.rate_limiter
        hit = partial(limiter.hit, f"{access}:{_caller(request)}", limit, settings.window_s)
        decision = await run_in_threadpool(hit) if limiter.blocks else hit()
        if not decision.allowed:
            wait_s = max(1, math.ceil(decision.retry_after_s))
            raise HTTPException(
                429,
                f"rate limit: {limit} {access} requests per {settings.window_s:g} s; "
                f"retry in {wait_s} s",
                headers={"Retry-After": str(wait_s)},
            )

    return limit_rate


def _caller(request: Request) -> str:
    """The key's ID (JWT callers: jwt:<sub>); the client address when auth is off."""
    key = getattr(request.state, "api_key", None)
    if key is not None:
        return f"key:{key.id}"
    return f"addr:{request.client.host if request.client else 'unknown'}"
