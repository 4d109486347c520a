"""A client that goes away must not leave work running for it: a streamed answer closes what
it reads from, and a long call can watch for the client leaving.

Starlette stops sending a stream when its client disconnects but leaves the body iterator
unfinished, to the garbage collector: a body reading from the model server or from another
service would keep that generation going until then."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Request
from starlette.responses import ContentStream, StreamingResponse
from starlette.types import Send


class ClosingStreamingResponse(StreamingResponse):
    """A streaming response that, however it ends (finished, failed, or cut off by its
    client), closes its body and then calls `close`: what the body reads from, which a body
    that never started cannot close itself."""

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        *,
        close: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type)
        self._sync_body = content if isinstance(content, Iterable) else None
        self._close = close

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:
            # Shielded: a disconnect arrives as a cancellation, which would cut this short.
            with anyio.CancelScope(shield=True):
                await self._close_all()

    async def _close_all(self) -> None:
        aclose = getattr(self.body_iterator, "aclose", None)
        if aclose is not None:
            await aclose()
        for close in (getattr(self._sync_body, "close", None), self._close):
            if close is None:
                continue
            if inspect.iscoroutinefunction(close):
                await close()
            else:  # a generator's cleanup may block, on a socket for one
                await anyio.to_thread.run_sync(close)


def event_stream(body: ContentStream, source: object) -> ClosingStreamingResponse:
    """Server-sent events from `body`, closing `source` (what the body reads: a generator,
    a generation) when the answer ends, so a client that leaves stops the work for it."""
    close = getattr(source, "close", None)
    if (aclose := getattr(source, "aclose", None)) is not None:

        async def close() -> None:  # an async generator's aclose is no coroutine function
            await aclose()

    return ClosingStreamingResponse(body, media_type="text/event-stream", close=close)


@asynccontextmanager
async def on_disconnect(request: Request, react: Callable[[], None]) -> AsyncIterator[None]:
    """Calls `react` if the client disconnects while the block runs. The request's body
    must have been read: what comes after it on the connection is its end."""

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        react()

    # A plain task, not a task group: the block's errors must leave it as they are, not
    # wrapped in an exception group.
    watcher = asyncio.create_task(watch())
    try:
        yield
    finally:
        watcher.cancel()
