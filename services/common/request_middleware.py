"""Middleware every service installs (through install_common): request IDs and request
metrics. Plain ASGI rather than BaseHTTPMiddleware, so both see streamed answers to their
end and errors that escape the app."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byosc.request_ids import HEADER, accept_request_id, reset_request_id, set_request_id


class RequestIds:
    """Takes the caller's X-Request-ID when it is sane, else makes one, makes it the current
    request ID and echoes it on the answer, errors and streams included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(Headers(scope=scope).get(HEADER))
        token = set_request_id(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by Starlette's outermost error middleware, which
            # would send its 500 without the ID. Raised on, so the server logs it, and
            # with the ID still set: it does so in the task it started for this request.
            if not started:
                error = PlainTextResponse("Internal Server Error", status_code=500)
                await error(scope, receive, send_with_id)
            raise
        # The server's access line was written while the answer started, inside this call.
        reset_request_id(token)


class RequestMetrics:
    """Counts requests by route, method and status and times them, streams to their end."""

    def __init__(self, app: ASGIApp, service: str, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.service = service
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app answers: an escaping error becomes a 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            labels = (self.service, route, scope["method"])
            self.latency.labels(*labels).observe(time.perf_counter() - started)
            self.requests.labels(*labels, str(status)).inc()
