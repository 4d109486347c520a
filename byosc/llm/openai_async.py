"""The generating calls of OpenAIChatModel over an async client, for a service that answers
many streams on one event loop: a stream waiting for its next token holds no thread.

Same server, timeout, retries, repetition controls, request IDs and error translation as
the sync client it is made from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import openai

from byosc.llm.openai_chat import OpenAIChatModel, _params, _usage
from byosc.ports import Completion
from byosc.request_ids import request_id_headers


class AsyncOpenAIChatModel:
    def __init__(self, sync: OpenAIChatModel) -> None:
        self._sync = sync
        settings = sync._client
        self._client = openai.AsyncOpenAI(
            base_url=sync.base_url,
            api_key=settings.api_key,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion:
        name = model or self._sync.default_model
        with self._sync._translated():
            response = await self._client.chat.completions.create(
                model=name,
                messages=_params(messages),
                max_tokens=max_tokens,
                temperature=0.0,
                stop=list(stop) or openai.omit,
                extra_body=self._sync._repetition,
                extra_headers=request_id_headers(),
            )
        content = response.choices[0].message.content if response.choices else None
        return Completion(text=content or "", model=response.model or name, usage=_usage(response))

    async def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> AsyncIterator[str]:
        """Closing it (or the task reading it being cancelled) closes the connection, which
        the model server takes as the end of this generation."""
        with self._sync._translated():
            chunks = await self._client.chat.completions.create(
                model=model or self._sync.default_model,
                messages=_params(messages),
                max_tokens=max_tokens,
                temperature=0.0,
                stop=list(stop) or openai.omit,
                extra_body=self._sync._repetition,
                stream=True,
                stream_options={"include_usage": True},
                extra_headers=request_id_headers(),
            )
            async with chunks:
                async for chunk in chunks:
                    for choice in chunk.choices:
                        if choice.delta.content:
                            yield choice.delta.content

    async def close(self) -> None:
        await self._client.close()
