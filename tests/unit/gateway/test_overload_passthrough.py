"""A service at its in-flight limit answers 503 with Retry-After; the gateway hands both to
the caller unchanged, so clients back off for the time the service asked."""

from __future__ import annotations

import asyncio

import httpx

from services.common.inflight import InflightLimiter, LimitedRoutes
from tests.unit.gateway.conftest import MakeGateway

CHAT = {"course_id": "c1", "messages": [{"role": "user", "content": "What is a TLB?"}]}


def test_a_services_503_and_its_retry_after_reach_the_caller_unchanged(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway()
    limiter = InflightLimiter(running=1, waiting=0)
    asyncio.run(limiter.acquire())  # the service's one slot is taken
    service = LimitedRoutes(
        gateway.upstream, limiter=limiter, routes=[("POST", "/chat")], retry_after_s=7
    )
    gateway.http.app.state.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=service))  # type: ignore[attr-defined]

    refused = gateway.http.post("/chat", json=CHAT, headers=gateway.key("admin"))

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "7"
    assert refused.json() == {
        "detail": "the service is at its limit of 1 running and 0 waiting requests; retry in 7 s"
    }
    assert gateway.upstream.received == []


def test_the_gateway_refuses_forwarded_chats_past_its_own_bound_and_counts_them(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway(gateway={"inflight": {"running": 1, "waiting": 0}})
    limiter = gateway.http.app.state.inflight  # type: ignore[attr-defined]
    asyncio.run(limiter.acquire())  # a chat holds the gateway's one slot
    headers = gateway.key("admin")

    refused = gateway.http.post("/chat", json=CHAT, headers=headers)
    listed = gateway.http.get("/courses", headers=headers)

    assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
    assert listed.status_code == 200  # cheap routes are not bounded
    assert gateway.upstream.received == [("/courses", 0)]
    metrics = gateway.http.get("/metrics").text
    assert 'byosc_overload_rejections_total{service="gateway"} 1.0' in metrics
