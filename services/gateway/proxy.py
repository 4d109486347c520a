"""Forwarding to the services over HTTP, streaming both ways (uploads in, SSE out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

# Hop-by-hop and length headers are recomputed by each side. The caller's API key stays at
# the gateway: the services behind it have no use for it.
_DROP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
_DROP_OUTGOING = _DROP | {"authorization"}


def _outgoing(client: httpx.AsyncClient, base_url: str, request: Request) -> httpx.Request:
    url = httpx.URL(base_url.rstrip("/") + request.url.path, query=request.url.query.encode())
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _DROP_OUTGOING]
    return client.build_request(request.method, url, headers=headers, content=request.stream())


async def forward(client: httpx.AsyncClient, base_url: str, request: Request) -> Response:
    try:
        upstream = await client.send(_outgoing(client, base_url, request), stream=True)
    except httpx.TimeoutException:
        return _unavailable(f"{base_url} timed out", 504)
    except httpx.TransportError as exc:
        return _unavailable(f"{base_url} is unreachable ({type(exc).__name__})", 503)
    return StreamingResponse(
        _body(upstream),
        status_code=upstream.status_code,
        headers=_incoming_headers(upstream),
        background=BackgroundTask(upstream.aclose),
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
    try:
        upstream = await client.send(_outgoing(client, base_url, request))
    except httpx.TimeoutException:
        return _unavailable(f"{base_url} timed out", 504)
    except httpx.TransportError as exc:
        return _unavailable(f"{base_url} is unreachable ({type(exc).__name__})", 503)
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


def _unavailable(reason: str, status: int) -> JSONResponse:
    return JSONResponse({"detail": f"service unavailable: {reason}"}, status_code=status)
