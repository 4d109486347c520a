"""The in-flight limit's bound in time: a request that would wait longer than max_wait_s for
a slot (its place in the queue times the measured time per request) is refused at once, and
one still without a slot after max_wait_s is refused then; neither reaches the service."""

from __future__ import annotations

import asyncio
import time

import anyio
import httpx
import pytest

from services.common.inflight import InflightLimiter, LimitedRoutes
from tests.unit.common.test_inflight import ROUTES, HeldService


def _client(limiter: InflightLimiter, service: HeldService) -> httpx.AsyncClient:
    app = LimitedRoutes(service, limiter=limiter, routes=ROUTES, retry_after_s=3)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


def test_the_time_per_request_is_a_moving_average_of_finished_ones() -> None:
    limiter = InflightLimiter(running=2, waiting=8, max_wait_s=30)
    limiter.observe(10.0)
    assert limiter.seconds_per_request == 10.0
    limiter.observe(20.0)
    assert limiter.seconds_per_request == pytest.approx(12.0)
    limiter.waiting = 3
    assert limiter.expected_wait_s() == pytest.approx(4 * 12.0 / 2)


@pytest.mark.anyio
async def test_a_request_expected_to_wait_too_long_is_refused_at_once() -> None:
    service, limiter = HeldService(), InflightLimiter(running=1, waiting=8, max_wait_s=5)
    limiter.observe(10.0)  # each request holds its slot 10 s: the next would wait 10 s
    async with _client(limiter, service) as client:
        held = asyncio.create_task(client.post("/chat", json={}))
        while limiter.running < 1:
            await asyncio.sleep(0.01)
        with anyio.fail_after(1):
            refused = await client.post("/chat", json={})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "3"
        assert "none waiting longer than 5 s" in refused.json()["detail"]
        assert service.called == ["/chat"] and limiter.rejected == 1
        service.release.set()
        assert (await held).status_code == 200


@pytest.mark.anyio
async def test_a_request_still_without_a_slot_after_max_wait_is_refused_then() -> None:
    service, limiter = HeldService(), InflightLimiter(running=1, waiting=8, max_wait_s=0.3)
    async with _client(limiter, service) as client:
        held = asyncio.create_task(client.post("/chat", json={}))
        while limiter.running < 1:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        refused = await client.post("/chat", json={})
        waited = time.monotonic() - started
        assert refused.status_code == 503
        assert 0.25 <= waited < 2.0, waited
        with anyio.fail_after(1):  # its place is given up as its wait is cancelled
            while limiter.waiting:
                await asyncio.sleep(0.01)
        assert service.called == ["/chat"]
        service.release.set()
        assert (await held).status_code == 200
        assert (await client.post("/chat", json={})).status_code == 200  # its slot is free
