"""OpenAI-compatible chat: /v1/chat/completions with a course ID as the model, /v1/models
listing the courses. Thin mappings onto byosc.rag through byosc.openai_compat."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from byosc.errors import ByoscError
from byosc.openai_compat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ModelList,
    acompletion_chunks,
    completion,
    error_body,
    model_list,
)
from services.common.disconnects import event_stream
from services.common.state import CatalogDep
from services.common.web import error_status
from services.inference import chat_calls
from services.inference.dependencies import ChatDep

log = logging.getLogger(__name__)


class OpenAIErrorsRoute(APIRoute):
    """Answers errors in OpenAI's shape, {"error": {message, type, code}}, which OpenAI
    clients read, instead of this API's {"detail": ...}."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_with_openai_errors(request: Request) -> Response:
            try:
                return await handle(request)
            except ByoscError as exc:
                return _error(error_status(exc), str(exc))
            except RequestValidationError as exc:
                return _error(400, _problems(exc))
            # Starlette's, not only FastAPI's subclass: FastAPI raises the former for a
            # body it cannot read.
            except HTTPException as exc:
                return _error(exc.status_code, str(exc.detail))

        return handle_with_openai_errors


router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIErrorsRoute)


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={200: {"content": {"text/event-stream": {}}}, 404: {"description": "no course"}},
)
async def chat_completions(
    body: ChatCompletionRequest, rag: ChatDep
) -> ChatCompletion | StreamingResponse:
    request = body.chat_request()
    if not request.stream:
        return completion(await chat_calls.answer(rag, request), body.model, request.max_tokens)
    events, source = await chat_calls.started_stream(rag, request)
    chunks = acompletion_chunks(events, body.model, request.max_tokens)
    return event_stream(_sse(chunks), source)


@router.get("/models")
def list_models(catalog: CatalogDep) -> ModelList:
    """Every course, as a model a chat completion may name."""
    return model_list(catalog.list_courses())


async def _sse(chunks: AsyncIterator[ChatCompletionChunk]) -> AsyncIterator[str]:
    try:
        async for chunk in chunks:
            yield f"data: {chunk.model_dump_json()}\n\n"
    except ByoscError as exc:
        # The status line is gone: the error goes in-band, where OpenAI clients look for it.
        log.warning("chat stream failed: %s", exc)
        yield f"data: {json.dumps(error_body(error_status(exc), str(exc)))}\n\n"
        return
    yield "data: [DONE]\n\n"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status)


def _problems(exc: RequestValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()
    )
