"""Forwarding to the services over HTTP, streaming both ways (uploads in, SSE out)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

# Hop-by-hop and length headers are recomputed by each side.
_DROP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


async def forward(client: httpx.AsyncClient, base_url: str, request: Request) -> Response:
    url = httpx.URL(base_url.rstrip("/") + request.url.path, query=request.url.query.encode())
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _DROP]
    outgoing = client.build_request(request.method, url, headers=headers, content=request.stream())
    try:
        upstream = await client.send(outgoing, stream=True)
    except httpx.TimeoutException:
        return _unavailable(f"{base_url} timed out", 504)
    except httpx.TransportError as exc:
        return _unavailable(f"{base_url} is unreachable ({type(exc).__name__})", 503)
    return StreamingResponse(
        _body(upstream),
        status_code=upstream.status_code,
        headers={k: v for k, v in upstream.headers.items() if k.lower() not in _DROP},
        background=BackgroundTask(upstream.aclose),
    )


async def _body(upstream: httpx.Response) -> AsyncIterator[bytes]:
    async for part in upstream.aiter_raw():
        yield bytes(part)


def _unavailable(reason: str, status: int) -> JSONResponse:
    return JSONResponse({"detail": f"service unavailable: {reason}"}, status_code=status)
