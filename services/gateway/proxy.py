"""Forwarding to the services over HTTP, streaming both ways (uploads in, SSE out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse

from byosc.request_ids import request_id_headers
from services.common.disconnects import ClosingStreamingResponse

# Hop-by-hop and length headers are recomputed by each side. The caller's API key stays at
# the gateway: the services behind it have no use for it. The request ID the caller sent
# is replaced by the one the gateway accepted or made for this request.
_DROP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
_DROP_OUTGOING = _DROP | {"authorization", "x-request-id"}


def _outgoing(client: httpx.AsyncClient, base_url: str, request: Request) -> httpx.Request:
    # The path as the caller sent it, still percent-encoded: decoded, `%25` would reach the
    # service as a bare `%` and a `%07` as a control character httpx refuses.
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string", b"")
    target = raw_path + (b"?" + query if query else b"")
    url = httpx.URL(base_url.rstrip("/")).copy_with(raw_path=target)
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _DROP_OUTGOING]
    headers += request_id_headers().items()
    return client.build_request(request.method, url, headers=headers, content=request.stream())


async def _send(
    client: httpx.AsyncClient, base_url: str, request: Request, stream: bool
) -> httpx.Response:
    """The service's answer; a service that is down or slow is a 503 or 504, raised so that
    OpenAI-protocol routes give it in OpenAI's error shape."""
    try:
        return await client.send(_outgoing(client, base_url, request), stream=stream)
    except httpx.TimeoutException as exc:
        raise HTTPException(504, f"service unavailable: {base_url} timed out") from exc
    except httpx.TransportError as exc:
        reason = f"{base_url} is unreachable ({type(exc).__name__})"
        raise HTTPException(503, f"service unavailable: {reason}") from exc


async def forward(client: httpx.AsyncClient, base_url: str, request: Request) -> Response:
    upstream = await _send(client, base_url, request, stream=True)
    # Closed however the answer ends: a caller that leaves mid-stream closes the service's
    # stream too, which stops the work behind it (a chat's generation).
    return ClosingStreamingResponse(
        _body(upstream),
        status_code=upstream.status_code,
        headers=_incoming_headers(upstream),
        close=upstream.aclose,
    )


async def forward_list(
    client: httpx.AsyncClient,
    base_url: str,
    request: Request,
    keep: Callable[[Any], bool],
    items_at: str | None = None,
) -> Response:
    """Forwards a request whose answer is a JSON list, or an object holding the list under
    `items_at`, keeping only the items `keep` allows (the courses a key reaches). Any other
    answer passes unchanged."""
    upstream = await _send(client, base_url, request, stream=False)
    body: Any = _json(upstream) if upstream.status_code == 200 else None
    items = body.get(items_at) if items_at and isinstance(body, dict) else body
    if not isinstance(items, list):
        # The body was decoded when read, so it goes back without its content-encoding.
        headers = {
            k: v for k, v in _incoming_headers(upstream).items() if k.lower() != "content-encoding"
        }
        return Response(upstream.content, upstream.status_code, headers)
    kept = [item for item in items if keep(item)]
    return JSONResponse({**body, items_at: kept} if items_at else kept)


def _json(upstream: httpx.Response) -> Any:
    try:
        return upstream.json()
    except ValueError:
        return None


def _incoming_headers(upstream: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in upstream.headers.items() if k.lower() not in _DROP}


async def _body(upstream: httpx.Response) -> AsyncIterator[bytes]:
    async for part in upstream.aiter_raw():
        yield bytes(part)
