"""An in-process inference app with the OpenAI routes: a stand-in chat with canned answers
(these tests are about the wire mapping; the RAG flow has its own tests) over a real
SQLite catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from byosc.catalog.sql import SqlCatalog
from byosc.domain import ChatRequest, ChatResponse, Citation, Course, Usage
from byosc.errors import NotFound
from byosc.rag.chat import Delta, Done
from services.common.web import install_common
from services.inference import openai_routes

CITATION = Citation(
    n=1, document_id="d1", title="Memory", filename="mem.pdf", page=3, snippet="TLB", score=0.8
)


class CannedChat:
    """Answers every known course with the same pieces; unknown courses as RagChat does."""

    def __init__(self, catalog: SqlCatalog) -> None:
        self.catalog = catalog
        self.asked: list[ChatRequest] = []

    def answer(self, request: ChatRequest) -> ChatResponse:
        *_, done = self.stream(request, streaming=False)
        assert isinstance(done, Done)
        return done.response

    def stream(self, request: ChatRequest, streaming: bool = True) -> Iterator[Delta | Done]:
        if self.catalog.get_course(request.course_id) is None:
            raise NotFound(f"course {request.course_id} does not exist")
        self.asked.append(request)
        pieces = ["A TLB ", "caches translations [1]."]
        if streaming:
            yield from (Delta(p) for p in pieces)
        usage = Usage(prompt_tokens=80, completion_tokens=6, total_tokens=86)
        answer = "".join(pieces)
        yield Done(ChatResponse(answer=answer, citations=[CITATION], model="base", usage=usage))


@pytest.fixture
def inference_app(tmp_path: Path) -> FastAPI:
    """Courses cs140 and ma101."""
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalog.create_course(Course(id="cs140", name="Operating Systems"))
    catalog.create_course(Course(id="ma101", name="Calculus"))
    app = FastAPI()
    install_common(app, "inference")
    app.include_router(openai_routes.router)
    app.state.catalog = catalog
    app.state.chat = CannedChat(catalog)
    return app
