"""The chat flow: course check -> standalone query -> retrieve -> relevance gate -> prompt
(history within its token budget) -> generate -> floor -> cite. A model server that is down
or too slow gives a degraded answer: the retrieved passages, cited, with no generated text.
A generated answer that fails the floor (answer_floor.py) is replaced by the extractive one,
the answer of the extractive mode too; one that marks no source gets the marker of the
passage that backs it, or the extractive answer after it."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import closing
from functools import partial
from typing import Any

import anyio

from byosc.domain import ChatRequest, ChatResponse, ScoredChunk, Usage
from byosc.domain.core import Delta, Done
from byosc.errors import AdapterUnavailable, ModelUnavailable, NotFound
from byosc.llm.breaker import (
    BreakerChatModel,
    CircuitBreaker,
    CircuitState,
    failure_reason,
)
from byosc.llm.tokens import TokenCounter
from byosc.ports import Catalog, ChatModel, Completion, Embedder, SearchIndex
from byosc.rag.answer_floor import ShownStart, marks_a_source
from byosc.rag.answer_guard import AnswerGuard
from byosc.rag.answering import Answering
from byosc.rag.async_model import AsyncChatModel, BreakerAsyncChatModel, ThreadedChatModel
from byosc.rag.chat_observer import ChatObserver, Unobserved
from byosc.rag.citations import cite, cite_all
from byosc.rag.conversation import KeywordRewriter, QueryRewriter, fit_history
from byosc.rag.course_spelling import CourseSpellers
from byosc.rag.extractive import EXTRACTIVE, extractive_answer, supporting_source
from byosc.rag.prompt import MARKUP, build_messages
from byosc.rag.rerank import Reranker
from byosc.rag.retrieve import Retrieved, Retriever
from byosc.settings import RagSettings

NOTHING_INDEXED = "The course material has nothing indexed yet, so I cannot answer from it."
NOT_COVERED = (
    "The course material does not seem to cover this, so I won't guess. "
    "The closest passages I found are cited below."
)
MODEL_UNAVAILABLE = (
    "The language model is unavailable right now, so I cannot write an answer. "
    "The passages cited below are the most relevant course material for your question."
)
MODEL_CUT_OFF = (
    "The language model stopped responding partway through, so its unfinished answer is "
    "left out. The passages cited below are the most relevant course material for your "
    "question."
)
# How many of the closest passages a not-covered answer still points to.
CLOSEST = 3

log = logging.getLogger(__name__)


class RagChat:
    def __init__(
        self,
        catalog: Catalog,
        embedder: Embedder,
        index: SearchIndex,
        model: ChatModel,
        rag: RagSettings,
        base_model: str,
        *,
        reranker: Reranker | None = None,
        rewriter: QueryRewriter | None = None,
        tokens: TokenCounter | None = None,
        adapter_for: Callable[[str], str | None] | None = None,
        breaker: CircuitBreaker | None = None,
        observer: ChatObserver | None = None,
        record_uncovered: Callable[[str, str], object] | None = None,
    ) -> None:
        """`breaker`: shared with whatever else calls the same model server (the query
        rewriter); by default one of the chat's own, from `rag`. `observer` may also be
        set later, by the service that wires it to its metrics. `record_uncovered(course_id,
        question)`: told each standalone question the material does not cover; it must not
        block (the inference service hands it to a thread of its own)."""
        self.catalog = catalog
        self.embedder = embedder
        self.index = index
        self.breaker = breaker or CircuitBreaker(rag.breaker_failures, rag.breaker_open_s)
        self.model = BreakerChatModel(model, self.breaker)
        self._async_model: tuple[ChatModel, AsyncChatModel] | None = None
        self.rag = rag
        self.base_model = base_model
        self.retriever = Retriever(embedder, index, rag, reranker, CourseSpellers(catalog, index))
        self.rewriter = rewriter or KeywordRewriter()
        self.tokens = tokens or TokenCounter.approximate()
        # The course's active LoRA adapter, by served name; None: the base model.
        self.adapter_for = adapter_for or (lambda _course_id: None)
        self.observer: ChatObserver = observer or Unobserved()
        self.record_uncovered = record_uncovered
        # Generated answers that failed the floor and were answered extractively instead.
        self.extractive_fallbacks = 0

    def use_async_model(self, model: AsyncChatModel) -> None:
        """astream asks `model` (the sync model's server over an async client), behind the
        same circuit breaker, for as long as the sync model is not replaced."""
        self._async_model = (self.model, BreakerAsyncChatModel(model, self.breaker))

    @property
    def async_model(self) -> AsyncChatModel:
        """What astream asks: the async client given for the sync model, or else the sync
        model itself on the thread pool."""
        if self._async_model is not None and self._async_model[0] is self.model:
            return self._async_model[1]
        return ThreadedChatModel(self.model)

    def model_circuit(self) -> CircuitState:
        """The model server's circuit breaker: closed, open (chats answer with passages at
        once) or half_open (the next chat probes the server)."""
        return self.breaker.state()

    def search(self, course_id: str, query: str, limit: int) -> list[ScoredChunk]:
        return self.retrieve(course_id, query, limit).chunks

    def retrieve(self, course_id: str, query: str, limit: int) -> Retrieved:
        if self.catalog.get_course(course_id) is None:
            raise NotFound(f"course {course_id} does not exist")
        started = time.perf_counter()
        found = self.retriever.retrieve(course_id, query, limit)
        self.observer.retrieval(time.perf_counter() - started)
        return found

    def answer(self, request: ChatRequest) -> ChatResponse:
        *_, done = self.stream(request, streaming=False)
        assert isinstance(done, Done)
        return done.response

    async def aanswer(self, request: ChatRequest) -> ChatResponse:
        *_, done = [event async for event in self.astream(request, streaming=False)]
        assert isinstance(done, Done)
        return done.response

    def stream(self, request: ChatRequest, streaming: bool = True) -> Iterator[Delta | Done]:
        """Yield answer pieces, then Done. If the model server fails, Done carries a
        degraded answer: the retrieved passages without the generated text."""
        answering = self._prepare(request)
        if not isinstance(answering, Answering):
            yield from answering
            return
        try:
            if streaming:
                with closing(self.model.stream(**self._call(answering))) as generated:
                    for piece in generated:
                        if shown := self._take(answering, piece):
                            yield Delta(shown)
                        if answering.guard.cut:  # the rest is dropped: stop generating it
                            break
                if rest := answering.rest():
                    yield Delta(rest)
                answer, usage = answering.floor.answer, None
            else:
                answer, usage = self._whole(answering, self.model.complete(**self._call(answering)))
        except ModelUnavailable as exc:
            yield self._failed(answering.course_id, answering.found, exc, bool(answering.pieces))
            return
        yield from self._finish(answering, answer, usage, streaming)

    async def astream(
        self, request: ChatRequest, streaming: bool = True
    ) -> AsyncGenerator[Delta | Done, None]:
        """stream() for an event loop: retrieval and the checks after the answer run on the
        thread pool (short CPU work), while the model's answer is awaited piece by piece
        with no thread held. Closing it closes the model server's stream."""
        answering = await anyio.to_thread.run_sync(self._prepare, request)
        if not isinstance(answering, Answering):
            for event in answering:
                yield event
            return
        try:
            if streaming:
                generated = self.async_model.stream(**self._call(answering))
                try:
                    async for piece in generated:
                        if shown := self._take(answering, piece):
                            yield Delta(shown)
                        if answering.guard.cut:
                            break
                finally:
                    await generated.aclose()
                if rest := answering.rest():
                    yield Delta(rest)
                answer, usage = answering.floor.answer, None
            else:
                completion = await self.async_model.complete(**self._call(answering))
                answer, usage = self._whole(answering, completion)
        except ModelUnavailable as exc:
            yield self._failed(answering.course_id, answering.found, exc, bool(answering.pieces))
            return
        finish = partial(self._finish, answering, answer, usage, streaming)
        for event in await anyio.to_thread.run_sync(lambda: list(finish())):
            yield event

    def _prepare(self, request: ChatRequest) -> Answering | list[Delta | Done]:
        """Everything before the model is asked: the events of a chat answered without it,
        or the answer to generate."""
        started = time.perf_counter()
        query = self.rewriter.rewrite(request.messages)
        found = self.retrieve(request.course_id, query, self.rag.top_k)
        if not found.chunks:
            return [Done(ChatResponse(answer=NOTHING_INDEXED, citations=[], model="none"))]
        if not self.retriever.covers(found):
            self._report_uncovered(request.course_id, query)
            return [Done(self._not_covered(found.chunks))]
        if self.rag.answer_mode == "extractive":
            return list(self._extractive(query, found.chunks, model=EXTRACTIVE))
        if self.breaker.state() == "open":
            # Skip the adapter lookup too: it may ask the model server, with a longer timeout.
            self.observer.model_failure("breaker_open")
            return [Done(self._degraded(found.chunks, cut_off=False))]
        history = fit_history(request.messages, self.rag.history_tokens, self.tokens.count_message)
        try:
            served, adapter_error = self._model_name(request)
        except ModelUnavailable as exc:
            return [self._failed(request.course_id, found.chunks, exc, cut_off=False)]
        return Answering(
            course_id=request.course_id,
            query=query,
            found=found.chunks,
            messages=build_messages(history, found.chunks),
            served=served,
            adapter_error=adapter_error,
            max_tokens=request.max_tokens,
            started=started,
            guard=AnswerGuard(MARKUP, self.rag.repeat_span_words),
            floor=ShownStart(request.messages[-1].content),
        )

    @staticmethod
    def _call(answering: Answering) -> dict[str, Any]:
        return {
            "messages": answering.messages,
            "model": answering.served,
            "max_tokens": answering.max_tokens,
            "stop": MARKUP,
        }

    def _take(self, answering: Answering, piece: str) -> str:
        if not answering.pieces:
            self.observer.first_token(time.perf_counter() - answering.started, streaming=True)
        return answering.take(piece)

    def _whole(self, answering: Answering, completion: Completion) -> tuple[str, Usage]:
        self.observer.first_token(time.perf_counter() - answering.started, streaming=False)
        return answering.whole(completion.text), completion.usage

    def _failed(
        self, course_id: str, found: list[ScoredChunk], exc: ModelUnavailable, cut_off: bool
    ) -> Done:
        self.observer.model_failure(failure_reason(exc))
        log.warning("answering course %s with passages only: %s", course_id, exc)
        return Done(self._degraded(found, cut_off=cut_off))

    def _finish(
        self, answering: Answering, answer: str, usage: Usage | None, streaming: bool
    ) -> Iterator[Delta | Done]:
        """After the model: the checks on its answer, the citations, Done. `usage`: None
        for a stream, which reports none, so its tokens are counted here."""
        query, found, served = answering.query, answering.found, answering.served
        if usage is None:
            usage = self._counted_usage(answering.messages, answering.guard.answer)
        if not answer:
            # Nothing of the model's answer passes: nothing of it was shown either.
            log.info(
                "course %s: generated answer failed the checks, answered extractively",
                answering.course_id,
            )
            self.extractive_fallbacks += 1
            yield from self._extractive(
                query, found, model=served, usage=usage, adapter_error=answering.adapter_error
            )
            return
        if not marks_a_source(answer, len(found)):
            # A stream has shown the answer already, so what it lacks comes after it.
            tail = self._missing_marker(answer, query, found)
            answer += tail
            if streaming and tail:
                yield Delta(tail)
        answer, citations = cite(answer, found, self.rag.snippet_chars)
        yield Done(
            ChatResponse(
                answer=answer,
                citations=citations,
                model=served,
                usage=usage,
                adapter_error=answering.adapter_error,
            )
        )

    def _extractive(
        self,
        query: str,
        found: list[ScoredChunk],
        *,
        model: str,
        usage: Usage | None = None,
        adapter_error: str | None = None,
    ) -> Iterator[Delta | Done]:
        """The passages' own sentences closest to the (standalone) question, as one piece.
        `model`: "extractive" in the extractive mode; the model asked when its answer failed
        the floor (it was asked, and it is what a client that asked for an adapter checks)."""
        written = extractive_answer(query, found, self.embedder)
        answer, citations = cite(written, found, self.rag.snippet_chars)
        if answer:
            yield Delta(answer)
        yield Done(
            ChatResponse(
                answer=answer,
                citations=citations,
                model=model,
                usage=usage or Usage(),
                adapter_error=adapter_error,
            )
        )

    def _missing_marker(self, answer: str, query: str, found: list[ScoredChunk]) -> str:
        """For an answer that marks no source: the marker of the passage that backs it, or,
        when none does, the passages' own sentences closest to the question, with theirs."""
        backing = supporting_source(answer, found, self.embedder)
        if backing is not None:
            return f" [{backing}]"
        self.extractive_fallbacks += 1
        written = extractive_answer(query, found, self.embedder)
        return f"\n\nFrom the course material: {written}" if written else ""

    def _model_name(self, request: ChatRequest) -> tuple[str, str | None]:
        """The model to ask, and why it is not the course's adapter when it should be."""
        if not request.use_adapter:
            return self.base_model, None
        try:
            adapter = self.adapter_for(request.course_id)
        except ModelUnavailable:
            # The lookup asked the model server (which adapters it holds, or to load one)
            # and got no answer: a failure of that server like any other.
            self.breaker.record_failure()
            raise
        except AdapterUnavailable as exc:
            # The base model still answers from the course's material, but the response
            # says it is not the course's adapter, and why (logged where it failed).
            return self.base_model, str(exc)
        return adapter or self.base_model, None

    def _counted_usage(self, messages: list[dict[str, str]], answer: str) -> Usage:
        """A stream reports no usage, so the tokens are counted here with the tokenizer."""
        prompt, completion = self.tokens.count_messages(messages), self.tokens.count(answer)
        return Usage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )

    def _degraded(self, found: list[ScoredChunk], *, cut_off: bool) -> ChatResponse:
        """The model failed: the passages it would have answered from, honestly labelled.
        A half-streamed answer is left out: it may stop mid-claim, before its citations."""
        citations = cite_all(found, self.rag.snippet_chars)
        answer = MODEL_CUT_OFF if cut_off else MODEL_UNAVAILABLE
        return ChatResponse(answer=answer, citations=citations, model="none", degraded=True)

    def _report_uncovered(self, course_id: str, query: str) -> None:
        if self.record_uncovered is None:
            return
        try:
            self.record_uncovered(course_id, query)
        except Exception:  # the answer matters more than its record: logged, not raised
            log.exception("course %s: could not record a question not covered", course_id)

    def _not_covered(self, closest: list[ScoredChunk]) -> ChatResponse:
        """No model call: an honest answer pointing at the nearest material."""
        citations = cite_all(closest[:CLOSEST], self.rag.snippet_chars)
        return ChatResponse(answer=NOT_COVERED, citations=citations, model="none", covered=False)
