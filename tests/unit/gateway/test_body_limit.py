"""Body size limits at the gateway: 413 before forwarding when the declared length is over,
413 while streaming when a chunked body grows over, uploads bounded by max_upload_bytes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.gateway.conftest import Gateway, MakeGateway

LIMITS = {"gateway": {"max_body_bytes": 1000}, "max_upload_bytes": 5000}
OVER = {"detail": "request body over 1000 bytes"}


def _chat_body(size: int) -> bytes:
    """A JSON chat request of exactly `size` bytes."""
    head = b'{"course_id": "c1", "messages": [{"role": "user", "content": "'
    tail = b'"}]}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def _chunks(body: bytes, size: int = 256) -> Iterator[bytes]:
    """No Content-Length: httpx sends a generator's body chunked."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _json_headers(gateway: Gateway, role: str) -> dict[str, str]:
    return {**gateway.key(role), "content-type": "application/json"}


def test_a_declared_length_over_the_limit_is_refused_before_anything_is_forwarded(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway(**LIMITS)
    headers = _json_headers(gateway, "admin")
    assert gateway.http.post("/chat", content=_chat_body(1000), headers=headers).status_code == 200
    refused = gateway.http.post("/chat", content=_chat_body(1001), headers=headers)
    assert refused.status_code == 413
    assert refused.json() == OVER
    assert gateway.upstream.received == [("/chat", 1000)]


def test_a_chunked_body_over_the_limit_is_refused_as_it_streams(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway(**LIMITS)
    # An admin's body streams straight to the service; a client's is read by the guard first
    # for its course: both readers meet the limit.
    for role in ("admin", "client"):
        headers = _json_headers(gateway, role)
        fits = gateway.http.post("/chat", content=_chunks(_chat_body(1000)), headers=headers)
        assert fits.status_code == 200 and fits.json() == {"bytes": 1000}, role
        refused = gateway.http.post("/chat", content=_chunks(_chat_body(1300)), headers=headers)
        assert (refused.status_code, refused.json()) == (413, OVER), role
    assert [size for _, size in gateway.upstream.received] == [1000, 1000]


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "declared length"])
def test_an_openai_route_refuses_an_oversized_body_in_openais_shape(
    make_gateway: MakeGateway, chunked: bool
) -> None:
    gateway = make_gateway(**LIMITS)
    headers = _json_headers(gateway, "client")
    body = _chat_body(1300).replace(b'"course_id"', b'"model"')
    content = _chunks(body) if chunked else body
    refused = gateway.http.post("/v1/chat/completions", content=content, headers=headers)
    assert refused.status_code == 413
    assert refused.json()["error"]["message"] == OVER["detail"]
    assert refused.json()["error"]["type"] == "invalid_request_error"
    assert gateway.upstream.received == []


def test_uploads_are_bounded_by_max_upload_bytes_instead(make_gateway: MakeGateway) -> None:
    gateway = make_gateway(**LIMITS)
    headers = gateway.key("instructor")
    upload = "/courses/c1/documents"
    fits = gateway.http.post(upload, files={"files": ("a.txt", b"x" * 3000)}, headers=headers)
    assert fits.status_code == 200 and fits.json()["bytes"] > 3000
    too_big = gateway.http.post(upload, files={"files": ("a.txt", b"x" * 5000)}, headers=headers)
    assert too_big.status_code == 413
    assert too_big.json() == {"detail": "request body over 5000 bytes"}
    # The upload limit holds only for uploads: another route keeps the JSON limit.
    refresh = gateway.http.post("/courses/c1/refresh", content=b"x" * 3000, headers=headers)
    assert (refresh.status_code, refresh.json()) == (413, OVER)
