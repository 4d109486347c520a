"""The chat's model calls for an event loop: an async client guarded by the chat's circuit
breaker, or, for a model with only sync calls (the in-process engine), those calls on the
thread pool one piece at a time."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from functools import partial
from typing import Any, Protocol

import anyio

from byosc.errors import ModelUnavailable
from byosc.llm.breaker import CircuitBreaker
from byosc.ports import ChatModel, Completion


class AsyncChatModel(Protocol):
    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion: ...

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> AsyncGenerator[str, None]: ...


class BreakerAsyncChatModel:
    """BreakerChatModel's guard around an async model. The calls take the port's arguments."""

    def __init__(self, model: AsyncChatModel, breaker: CircuitBreaker) -> None:
        self.model = model
        self.breaker = breaker

    async def complete(self, messages: list[dict[str, str]], **call: Any) -> Completion:
        with self.breaker.calling():
            return await self.model.complete(messages, **call)

    async def stream(
        self, messages: list[dict[str, str]], **call: Any
    ) -> AsyncGenerator[str, None]:
        pieces = self.model.stream(messages, **call)
        try:
            # The first piece settles whether the server answers; a long answer must not
            # hold a half-open circuit's probe until it ends.
            with self.breaker.calling():
                first = await anext(pieces, None)
            if first is None:
                return
            yield first
            try:
                async for piece in pieces:
                    yield piece
            except ModelUnavailable:
                self.breaker.record_failure()
                raise
        finally:
            await pieces.aclose()


class ThreadedChatModel:
    """A sync model's calls on the thread pool: each piece of a stream holds a thread only
    while it is generated."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model

    async def complete(self, messages: list[dict[str, str]], **call: Any) -> Completion:
        return await anyio.to_thread.run_sync(partial(self.model.complete, messages, **call))

    async def stream(
        self, messages: list[dict[str, str]], **call: Any
    ) -> AsyncGenerator[str, None]:
        pieces = iter(self.model.stream(messages, **call))
        try:
            while (piece := await anyio.to_thread.run_sync(next, pieces, None)) is not None:
                yield piece
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(close)
