"""A slow OpenAI-compatible model server in a thread of the test process, on a free loopback
port: every answer is the same sentence, one word every `piece_s` seconds. It counts the
streams open at once and the streams whose client left before the end, which is what the
inference service's limits and disconnects are about (the real model server's own
disconnect handling has its tests)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.support.threaded_server import served_in_thread

ANSWER = "Round-robin scheduling gives each ready process a fixed time slice in turn [1]."


@dataclass
class SlowModel:
    url: str  # the OpenAI base URL, ending in /v1
    piece_s: float
    words: list[str]
    open_streams: int = 0
    most_open: int = 0
    completed: int = 0
    abandoned: int = 0


def _app(model: SlowModel) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, object]:
        return {"object": "list", "data": [{"id": "slow", "object": "model"}]}

    @app.post("/v1/chat/completions", response_model=None)
    async def complete(request: Request) -> JSONResponse | StreamingResponse:
        body = await request.json()
        if not body.get("stream"):
            await asyncio.sleep(model.piece_s * len(model.words))
            model.completed += 1
            return JSONResponse(_completion(" ".join(model.words)))
        return StreamingResponse(_pieces(model), media_type="text/event-stream")

    return app


async def _pieces(model: SlowModel) -> AsyncIterator[str]:
    model.open_streams += 1
    model.most_open = max(model.most_open, model.open_streams)
    finished = False
    try:
        for at, word in enumerate(model.words):
            await asyncio.sleep(model.piece_s)
            yield f"data: {json.dumps(_chunk(word if at == 0 else ' ' + word))}\n\n"
        yield "data: [DONE]\n\n"
        finished = True
    finally:
        model.open_streams -= 1
        if finished:
            model.completed += 1
        else:
            model.abandoned += 1


def _chunk(text: str) -> dict[str, object]:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": None}
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "slow",
            "choices": [choice]}  # fmt: skip


def _completion(text: str) -> dict[str, object]:
    message = {"role": "assistant", "content": text}
    return {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "slow",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def slow_model(piece_s: float, answer: str = ANSWER) -> Iterator[SlowModel]:
    model = SlowModel(url="", piece_s=piece_s, words=answer.split())
    with served_in_thread(_app(model)) as url:
        model.url = f"{url}/v1"
        yield model
