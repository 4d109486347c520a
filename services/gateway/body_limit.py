"""Request body size limits, enforced before the gateway reads or forwards a body.

A declared Content-Length over the limit is answered 413 at once. A body without one
(chunked) is counted as it streams: the read that crosses the limit raises `BodyTooLarge`,
an HTTPException, wherever it happens (the guard reading a course ID, or the proxy
streaming the body to a service), so the route answers 413, in OpenAI's shape on the
OpenAI routes. The service behind sees its request cut off and drops it. A response that has
already started when the limit is crossed cannot become a 413; the connection is closed
instead. No gateway route streams its answer before it has sent the whole request on.
"""

from __future__ import annotations

import json
import re

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byosc.openai_compat import error_body

# Multipart uploads, bounded by max_upload_bytes; every other body by max_body_bytes.
UPLOAD_PATHS = re.compile(r"^/courses/[^/]+/documents/?$")
# The OpenAI-compatible routes: their clients read errors in OpenAI's shape.
OPENAI_PATHS = re.compile(r"^/v1/")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, scope: Scope) -> int:
        upload = scope["method"] == "POST" and UPLOAD_PATHS.match(scope["path"])
        return self.max_upload_bytes if upload else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # Reached here only when no layer inside turned it into a response.
            if started:
                raise
            await _refuse(scope, send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    detail = BodyTooLarge(limit).detail
    openai = OPENAI_PATHS.match(scope["path"])
    body = json.dumps(error_body(413, detail) if openai else {"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
