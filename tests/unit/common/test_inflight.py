"""The in-flight limit in front of a service's expensive routes, driven over ASGI: requests
past the running slots and the queue are refused at once with Retry-After, queued ones run
in turn, a queued request whose client leaves gives its place up, other routes pass."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest
from prometheus_client import CollectorRegistry
from starlette.types import Message, Receive, Scope, Send

from services.common.inflight import InflightLimiter, LimitedRoutes, Overloaded

ROUTES = [("POST", "/chat"), ("POST", "/v1/chat/completions")]


class HeldService:
    """Answers 200 once `release` is set; records the paths it was called for."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.called: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called.append(scope["path"])
        if scope["path"] != "/healthz":
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@asynccontextmanager
async def _limited(
    running: int, waiting: int
) -> AsyncIterator[tuple[httpx.AsyncClient, HeldService, InflightLimiter, LimitedRoutes]]:
    service, limiter = HeldService(), InflightLimiter(running, waiting)
    app = LimitedRoutes(service, limiter=limiter, routes=ROUTES, retry_after_s=5)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client, service, limiter, app


async def _until(condition: Callable[[], bool], within_s: float = 2.0) -> None:
    with anyio.fail_after(within_s):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.mark.anyio
async def test_requests_past_the_slots_and_the_queue_are_refused_at_once() -> None:
    async with _limited(running=2, waiting=1) as (client, service, limiter, _):
        held = [asyncio.create_task(client.post("/chat", json={"n": n})) for n in range(3)]
        await _until(lambda: limiter.running == 2 and limiter.waiting == 1)
        with anyio.fail_after(1):
            refused = await client.post("/chat", json={"n": 3})
            openai_refused = await client.post("/v1/chat/completions", json={})
        assert refused.status_code == openai_refused.status_code == 503
        assert refused.headers["retry-after"] == "5"
        assert refused.json() == {
            "detail": "the service is at its limit of 2 running and 1 waiting requests; "
            "retry in 5 s"
        }
        assert openai_refused.json()["error"]["message"] == refused.json()["detail"]
        assert limiter.rejected == 2 and service.called == ["/chat", "/chat"]
        service.release.set()
        answered = await asyncio.gather(*held)
    assert [r.status_code for r in answered] == [200, 200, 200]
    assert limiter.running == limiter.waiting == 0


@pytest.mark.anyio
async def test_other_routes_pass_while_every_slot_is_taken() -> None:
    async with _limited(running=1, waiting=0) as (client, service, limiter, _):
        held = asyncio.create_task(client.post("/chat", json={}))
        await _until(lambda: limiter.running == 1)
        assert (await client.get("/healthz")).status_code == 200
        service.release.set()
        assert (await held).status_code == 200


class LeavingClient:
    """Sends its body, then hangs up when `gone` is set; records what it is sent."""

    def __init__(self) -> None:
        self.gone = asyncio.Event()
        self.body_sent = False
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": b"{}", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)


@pytest.mark.anyio
async def test_a_queued_request_whose_client_leaves_gives_up_its_place_unanswered() -> None:
    async with _limited(running=1, waiting=1) as (client, service, limiter, app):
        held = asyncio.create_task(client.post("/chat", json={}))
        await _until(lambda: limiter.running == 1)
        leaving = LeavingClient()
        scope: Scope = {"type": "http", "method": "POST", "path": "/chat", "headers": []}
        queued = asyncio.create_task(app(scope, leaving.receive, leaving.send))
        await _until(lambda: limiter.waiting == 1)
        leaving.gone.set()
        with anyio.fail_after(2):
            await queued
        assert limiter.waiting == 0 and leaving.sent == []
        # Its place is free again: the next request waits instead of being refused.
        next_one = asyncio.create_task(client.post("/chat", json={}))
        await _until(lambda: limiter.waiting == 1)
        service.release.set()
        assert (await held).status_code == (await next_one).status_code == 200
    assert service.called == ["/chat", "/chat"] and limiter.rejected == 0


def test_the_counts_show_in_the_metrics() -> None:
    registry, limiter = CollectorRegistry(), InflightLimiter(1, 0)
    limiter.export(registry, "inference")
    asyncio.run(limiter.acquire())
    with pytest.raises(Overloaded):
        limiter.check_room()
    labels = {"service": "inference"}
    assert registry.get_sample_value("byosc_inflight_requests", labels) == 1
    assert registry.get_sample_value("byosc_queued_requests", labels) == 0
    assert registry.get_sample_value("byosc_overload_rejections_total", labels) == 1
