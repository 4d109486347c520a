"""Rate limits at the gateway: per key and route class, 429 with Retry-After, in OpenAI's
error shape on the OpenAI routes, off when disabled, and open when Redis is down."""

from __future__ import annotations

import logging
import re

import pytest

from tests.unit.gateway.conftest import MakeGateway

SEARCH = "/courses/c1/search"
CHAT_COMPLETION = {"model": "c1", "messages": [{"role": "user", "content": "hi"}]}


def _limits(per_class: dict[str, int], **more: object) -> dict[str, object]:
    return {"gateway": {"rate_limits": {"per_class": per_class, "window_s": 60, **more}}}


def test_the_request_over_the_limit_gets_429_with_retry_after(make_gateway: MakeGateway) -> None:
    gateway = make_gateway(**_limits({"chat": 3}))
    headers = gateway.key()
    answers = [gateway.http.get(SEARCH, params={"q": "x"}, headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    wait_s = int(refused.headers["retry-after"])
    assert 1 <= wait_s <= 60
    assert refused.json() == {
        "detail": f"rate limit: 3 chat requests per 60 s; retry in {wait_s} s"
    }
    assert len(gateway.upstream.received) == 3  # the refused request was not forwarded


def test_route_classes_and_keys_have_their_own_limits(make_gateway: MakeGateway) -> None:
    gateway = make_gateway(**_limits({"chat": 1, "list": 1}))
    first, second = gateway.key(), gateway.key()
    assert gateway.http.get(SEARCH, params={"q": "x"}, headers=first).status_code == 200
    assert gateway.http.post("/chat", json={"course_id": "c1"}, headers=first).status_code == 429
    # Another class for the same key, and the same class for another key, still pass.
    assert gateway.http.get("/courses", headers=first).status_code == 200
    assert gateway.http.get(SEARCH, params={"q": "x"}, headers=second).status_code == 200
    assert gateway.http.get("/courses", headers=first).status_code == 429


def test_a_class_without_a_limit_and_disabled_limits_let_everything_through(
    make_gateway: MakeGateway,
) -> None:
    unlisted = make_gateway(**_limits({"admin": 1}))
    disabled = make_gateway(**_limits({"chat": 1}, enabled=False))
    for gateway in (unlisted, disabled):
        headers = gateway.key()
        codes = {gateway.http.get(SEARCH, params={"q": "x"}, headers=headers).status_code}
        codes |= {gateway.http.get(SEARCH, params={"q": "x"}, headers=headers).status_code}
        assert codes == {200}


def test_without_auth_the_client_address_is_the_caller(make_gateway: MakeGateway) -> None:
    gateway = make_gateway(auth={"enabled": False}, **_limits({"chat": 2}))
    codes = [gateway.http.get(SEARCH, params={"q": "x"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_an_openai_route_refuses_in_openais_shape_and_keeps_retry_after(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway(**_limits({"chat": 1}))
    headers = gateway.key()
    post = gateway.http.post
    assert post("/v1/chat/completions", json=CHAT_COMPLETION, headers=headers).status_code == 200
    refused = post("/v1/chat/completions", json=CHAT_COMPLETION, headers=headers)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert re.fullmatch(r"rate limit: 1 chat requests per 60 s; retry in \d+ s", error["message"])


def test_limits_fail_open_with_one_warning_when_redis_is_down(
    make_gateway: MakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = make_gateway(**_limits({"chat": 1}, redis_url="redis://127.0.0.1:1/0"))
    headers = gateway.key()
    with caplog.at_level(logging.WARNING, logger="services.gateway.limits"):
        codes = [
            gateway.http.get(SEARCH, params={"q": "x"}, headers=headers).status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 200]
    warnings = [r.getMessage() for r in caplog.records if r.name == "services.gateway.limits"]
    assert len(warnings) == 1 and "rate limits not enforced" in warnings[0]
