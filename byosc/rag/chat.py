"""The chat flow: course check -> retrieve -> prompt -> generate -> cite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from byosc.domain import ChatRequest, ChatResponse, ScoredChunk, Usage
from byosc.errors import NotFound
from byosc.ports import Catalog, ChatModel, Embedder, SearchIndex
from byosc.rag.citations import cite
from byosc.rag.prompt import build_messages
from byosc.settings import RagSettings

NOTHING_INDEXED = "The course material has nothing indexed yet, so I cannot answer from it."


@dataclass
class Delta:
    """A piece of the answer as it is generated."""

    text: str


@dataclass
class Done:
    """The final answer with its citations; always the last streamed event."""

    response: ChatResponse


class RagChat:
    def __init__(
        self,
        catalog: Catalog,
        embedder: Embedder,
        index: SearchIndex,
        model: ChatModel,
        rag: RagSettings,
        base_model: str,
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.index = index
        self.model = model
        self.rag = rag
        self.base_model = base_model

    def search(self, course_id: str, query: str, limit: int) -> list[ScoredChunk]:
        if self.catalog.get_course(course_id) is None:
            raise NotFound(f"course {course_id} does not exist")
        vector = self.embedder.embed_query(query)
        return self.index.search(course_id, vector, query, limit)

    def answer(self, request: ChatRequest) -> ChatResponse:
        *_, done = self.stream(request, streaming=False)
        assert isinstance(done, Done)
        return done.response

    def stream(self, request: ChatRequest, streaming: bool = True) -> Iterator[Delta | Done]:
        """Yield answer pieces, then Done. Raises ModelUnavailable before the first piece
        if the model server does not answer."""
        question = request.messages[-1].content
        sources = self.search(request.course_id, question, self.rag.top_k)
        if not sources:
            yield Done(ChatResponse(answer=NOTHING_INDEXED, citations=[], model="none"))
            return
        messages = build_messages(request.messages, sources)
        if streaming:
            pieces: list[str] = []
            for piece in self.model.stream(
                messages, model=self.base_model, max_tokens=request.max_tokens
            ):
                pieces.append(piece)
                yield Delta(piece)
            text, usage = "".join(pieces), Usage()
        else:
            completion = self.model.complete(
                messages, model=self.base_model, max_tokens=request.max_tokens
            )
            text, usage = completion.text, completion.usage
        answer, citations = cite(text, sources, self.rag.snippet_chars)
        yield Done(
            ChatResponse(answer=answer, citations=citations, model=self.base_model, usage=usage)
        )
