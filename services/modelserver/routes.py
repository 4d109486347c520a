"""OpenAI-compatible routes over the local engine, shaped like vLLM's server.

Generation is blocking CPU work, so it runs in the threadpool and the event loop stays free
for health checks and other requests while a long answer is produced.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from byosc.llm.engine import LocalEngine
from byosc.llm.generation import GenerationStream
from byosc.openai_compat import completion_id
from services.common.disconnects import event_stream, on_disconnect
from services.modelserver.errors import OpenAIError, openai_errors
from services.modelserver.schemas import (
    ChatCompletionRequest,
    LoadLoRAAdapterRequest,
    UnloadLoRAAdapterRequest,
    chunk_body,
    completion_body,
    error_body,
    model_card,
    usage_body,
)

log = logging.getLogger(__name__)


def _require_ready(request: Request) -> None:
    if not request.app.state.readiness.ready:
        message = f"the model server is not ready yet: {request.app.state.readiness.engine}"
        raise OpenAIError(503, message, "ServiceUnavailableError")


router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Depends(_require_ready)])


def _engine(request: Request) -> LocalEngine:
    return request.app.state.engine


def _started(request: Request) -> int:
    return request.app.state.started


EngineDep = Annotated[LocalEngine, Depends(_engine)]
StartedDep = Annotated[int, Depends(_started)]


@router.get("/models")
async def list_models(engine: EngineDep, started: StartedDep) -> dict[str, Any]:
    length = engine.max_model_len
    base = model_card(engine.base_name, str(engine.model_dir), None, length, started)
    adapters = [
        model_card(name, str(path), engine.base_name, length, started)
        for name, path in engine.adapters().items()
    ]
    return {"object": "list", "data": [base, *adapters]}


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, engine: EngineDep, request: Request
) -> JSONResponse | StreamingResponse:
    """A client that disconnects (a cut stream, a caller's timeout) stops its generation at
    the next token, or before it starts if it is still waiting for the engine."""
    args = body.generation_args()
    with openai_errors():
        if body.stream:
            stream = await run_in_threadpool(lambda: engine.stream(body.chat(), **args))
            events = _events(stream, body.model or engine.base_name, body.include_usage)
            return event_stream(events, stream)
        cancel = threading.Event()
        async with on_disconnect(request, cancel.set):
            generation = await run_in_threadpool(
                lambda: engine.generate(body.chat(), cancel=cancel, **args)
            )
    return JSONResponse(completion_body(generation))


@router.post("/load_lora_adapter")
async def load_lora_adapter(body: LoadLoRAAdapterRequest, engine: EngineDep) -> PlainTextResponse:
    if not body.lora_name or not body.lora_path:
        message = "Both 'lora_name' and 'lora_path' must be provided."
        raise OpenAIError(400, message, "InvalidUserInput")
    with openai_errors():
        await run_in_threadpool(engine.load_adapter, body.lora_name, body.lora_path)
    log.info("loaded LoRA adapter %s from %s", body.lora_name, body.lora_path)
    return PlainTextResponse(f"Success: LoRA adapter '{body.lora_name}' added successfully.")


@router.post("/unload_lora_adapter")
async def unload_lora_adapter(
    body: UnloadLoRAAdapterRequest, engine: EngineDep
) -> PlainTextResponse:
    if not body.lora_name:
        raise OpenAIError(400, "'lora_name' must be provided.", "InvalidUserInput")
    with openai_errors():
        await run_in_threadpool(engine.unload_adapter, body.lora_name)
    log.info("unloaded LoRA adapter %s", body.lora_name)
    return PlainTextResponse(f"Success: LoRA adapter '{body.lora_name}' removed successfully.")


async def _events(stream: GenerationStream, model: str, include_usage: bool) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format, ending with `data: [DONE]`."""
    cid, created = completion_id(), int(time.time())
    try:
        yield _sse(chunk_body(cid, created, model, {"role": "assistant", "content": ""}))
        while (piece := await _next_piece(stream)) is not None:
            yield _sse(chunk_body(cid, created, model, {"content": piece}))
        result = stream.result
        yield _sse(chunk_body(cid, created, model, {}, finish_reason=result.finish_reason))
        if include_usage:
            usage = {**chunk_body(cid, created, model, {}), "choices": []}
            yield _sse({**usage, "usage": usage_body(result)})
    except Exception as exc:  # the status line is gone: report in-band, as vLLM does
        log.exception("generation failed mid-stream")
        yield _sse(error_body(str(exc), "InternalServerError", 500))
    finally:
        # A client that disconnects lands here too: stop generating for it.
        stream.close()
    yield "data: [DONE]\n\n"


async def _next_piece(stream: GenerationStream) -> str | None:
    """The next piece, None at the end. The wait is left behind if the client disconnects,
    so the generation is cancelled at once, not when its next piece comes."""
    return await anyio.to_thread.run_sync(next, stream, None, abandon_on_cancel=True)


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
