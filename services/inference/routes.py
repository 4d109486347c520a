"""/chat and /search: thin mappings onto byosc.rag."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from byosc.domain import ChatRequest, ChatResponse, ScoredChunk
from byosc.rag.chat import Delta, Done
from services.common.disconnects import event_stream
from services.inference import chat_calls
from services.inference.dependencies import ChatDep

router = APIRouter(tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "The answer; `degraded: true` when the model server was down or "
            "too slow and the answer is the cited passages alone.",
        },
        404: {"description": "No such course"},
    },
)
async def chat(body: ChatRequest, rag: ChatDep) -> ChatResponse | StreamingResponse:
    if not body.stream:
        return await chat_calls.answer(rag, body)
    events, source = await chat_calls.started_stream(rag, body)
    return event_stream(_sse(events), source)


async def _sse(events: AsyncIterator[Delta | Done]) -> AsyncIterator[str]:
    async for item in events:
        if isinstance(item, Delta):
            yield f"event: delta\ndata: {json.dumps({'text': item.text})}\n\n"
        else:
            yield f"event: done\ndata: {item.response.model_dump_json()}\n\n"


@router.get("/courses/{course_id}/search", tags=["search"])
def search(
    course_id: str,
    rag: ChatDep,
    q: str = Query(min_length=1, max_length=2000),
    limit: int = Query(default=10, ge=1, le=100),
) -> list[ScoredChunk]:
    return rag.search(course_id, q, limit)
