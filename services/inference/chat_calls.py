"""The chat routes' calls into the chat, made on the event loop: a RagChat answers with no
thread held while the model writes. A chat with only sync calls (a stand-in) is read on the
thread pool."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from byosc.domain import ChatRequest, ChatResponse
from byosc.rag.chat import Delta, Done, RagChat

Events = AsyncIterator[Delta | Done]


async def answer(chat: RagChat, request: ChatRequest) -> ChatResponse:
    if hasattr(chat, "aanswer"):
        return await chat.aanswer(request)
    return await run_in_threadpool(chat.answer, request)


async def started_stream(chat: RagChat, request: ChatRequest) -> tuple[Events, Events]:
    """The chat's events, and what to close when the answer ends. The first event is pulled
    before answering, so a course that does not exist gives a 404 instead of a stream that
    breaks after its headers."""
    events: Events = (
        chat.astream(request)
        if hasattr(chat, "astream")
        else iterate_in_threadpool(chat.stream(request))
    )
    first = await anext(events)
    return _chained(first, events), events


async def _chained(first: Delta | Done, rest: Events) -> AsyncGenerator[Delta | Done, None]:
    yield first
    async for event in rest:
        yield event
