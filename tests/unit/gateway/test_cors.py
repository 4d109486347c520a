"""CORS: browsers on the listed origins may call the API, preflights need no API key, and
refusals carry the headers a browser script needs to read them."""

from __future__ import annotations

from tests.unit.gateway.conftest import MakeGateway

APP = "https://study.example.edu"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}


def test_a_preflight_from_a_listed_origin_is_allowed_without_a_key(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway(gateway={"cors_origins": [APP]})
    allowed = gateway.http.options("/chat", headers={"origin": APP, **PREFLIGHT})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == APP
    assert "POST" in allowed.headers["access-control-allow-methods"]
    allowed_headers = allowed.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert gateway.upstream.received == []


def test_a_preflight_from_another_origin_gets_no_cors_headers(make_gateway: MakeGateway) -> None:
    gateway = make_gateway(gateway={"cors_origins": [APP]})
    refused = gateway.http.options("/chat", headers={"origin": "https://evil.example", **PREFLIGHT})
    assert "access-control-allow-origin" not in refused.headers


def test_a_refusal_exposes_retry_after_to_the_listed_origin(make_gateway: MakeGateway) -> None:
    limits = {"per_class": {"chat": 1}}
    gateway = make_gateway(gateway={"cors_origins": [APP], "rate_limits": limits})
    headers = {**gateway.key(), "origin": APP}
    gateway.http.get("/courses/c1/search", params={"q": "x"}, headers=headers)
    refused = gateway.http.get("/courses/c1/search", params={"q": "x"}, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["access-control-allow-origin"] == APP
    exposed = refused.headers["access-control-expose-headers"].lower()
    assert "retry-after" in exposed and "x-request-id" in exposed


def test_no_origins_listed_means_no_cors_at_all(make_gateway: MakeGateway) -> None:
    gateway = make_gateway()
    answer = gateway.http.options("/chat", headers={"origin": APP, **PREFLIGHT})
    assert "access-control-allow-origin" not in answer.headers
    assert answer.status_code == 405  # a plain OPTIONS request, which no route takes
