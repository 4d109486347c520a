"""A streamed answer cut off by its client closes its body and what the body reads from;
a watched call learns that its client left. Driven over ASGI, as a server drives them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.types import Message, Scope

from services.common.disconnects import ClosingStreamingResponse, on_disconnect

SCOPE: Scope = {"type": "http", "asgi": {"spec_version": "2.3"}, "method": "GET", "headers": []}


class Client:
    """An ASGI client that reads `pieces` body parts, then disconnects."""

    def __init__(self, pieces: int) -> None:
        self.pieces = pieces
        self.received: list[bytes] = []
        self.gone = anyio.Event()

    async def receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            self.received.append(message["body"])
            if len(self.received) >= self.pieces:
                self.gone.set()


def _endless(closed: list[str]) -> Iterator[str]:
    try:
        while True:
            yield "piece"
    finally:
        closed.append("body")


async def _endless_async(closed: list[str]) -> AsyncIterator[str]:
    try:
        while True:
            yield "piece"
            await asyncio.sleep(0)
    finally:
        closed.append("body")


async def _cut(response: ClosingStreamingResponse, pieces: int) -> Client:
    client = Client(pieces)
    with anyio.fail_after(5):
        await response(SCOPE, client.receive, client.send)
    return client


@pytest.mark.anyio
async def test_a_stream_its_client_cuts_closes_its_body_and_its_source() -> None:
    closed: list[str] = []
    response = ClosingStreamingResponse(_endless(closed), close=lambda: closed.append("source"))
    client = await _cut(response, pieces=2)
    assert len(client.received) >= 2
    assert closed == ["body", "source"]


@pytest.mark.anyio
async def test_an_async_stream_its_client_cuts_closes_its_body_and_awaits_its_source() -> None:
    closed: list[str] = []

    async def close_source() -> None:
        closed.append("source")

    response = ClosingStreamingResponse(_endless_async(closed), close=close_source)
    await _cut(response, pieces=3)
    assert closed == ["body", "source"]


@pytest.mark.anyio
async def test_a_stream_cut_before_its_first_piece_still_closes_its_source() -> None:
    closed: list[str] = []
    response = ClosingStreamingResponse(_endless(closed), close=lambda: closed.append("source"))
    client = Client(pieces=0)
    client.gone.set()
    with anyio.fail_after(5):
        await response(SCOPE, client.receive, client.send)
    assert "source" in closed


@pytest.mark.anyio
async def test_a_finished_stream_closes_its_source_once() -> None:
    closed: list[str] = []
    response = ClosingStreamingResponse(iter(["a", "b"]), close=lambda: closed.append("source"))
    client = Client(pieces=99)
    with anyio.fail_after(5):
        await response(SCOPE, client.receive, client.send)
    assert client.received == [b"a", b"b"] and closed == ["source"]


@pytest.mark.anyio
async def test_a_watched_call_hears_its_client_leave_and_its_errors_pass_unchanged() -> None:
    app = FastAPI()
    left = anyio.Event()

    @app.post("/work")
    async def work(request: Request) -> dict[str, bool]:
        await request.body()
        async with on_disconnect(request, left.set):
            with anyio.fail_after(5):
                await left.wait()
        return {"left": left.is_set()}

    @app.post("/fail")
    async def fail(request: Request) -> None:
        await request.body()
        async with on_disconnect(request, left.set):
            raise LookupError("no such thing")

    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    answers: list[Message] = []

    async def send(message: Message) -> None:
        answers.append(message)

    scope = {**SCOPE, "method": "POST", "path": "/work", "query_string": b""}
    await app(scope, receive, send)
    assert left.is_set() and answers[0]["status"] == 200

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(LookupError):
            await client.post("/fail")
