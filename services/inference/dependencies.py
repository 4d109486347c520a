"""Composition root of the inference service.

In the embedded profile this service owns the Qdrant Edge shard (one process per shard)
and lends it to the others through /internal/index. Chat answers each course with its
active adapter (loaded into the model server on first use if the trainer could not).
Chat calls the model server through a client of its own, with the chat's short timeout and
no retry, so a slow or dead server turns into a degraded answer within that timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from byosc.bootstrap import (
    open_adapter_serving,
    open_artifact_store,
    open_catalog,
    open_chat_model,
    open_embedder,
    open_rag_chat,
    open_search_index,
)
from byosc.feedback.recorder import BackgroundRecorder
from byosc.feedback.store import SqlFeedbackStore
from byosc.llm.openai_async import AsyncOpenAIChatModel
from byosc.llm.openai_chat import OpenAIChatModel
from byosc.ports import ChatModel, SearchIndex
from byosc.quiz.store import SqlQuizStore
from byosc.rag.chat import RagChat
from byosc.settings import Settings
from byosc.training.registry import SqlAdapterRegistry
from services.inference.metrics import ChatMetrics


def lifespan(settings: Settings):
    if settings.index.kind == "http":
        raise ValueError("the inference service owns the index: index.kind must be edge or qdrant")

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalog = open_catalog(settings)
        embedder = open_embedder(settings)
        index = open_search_index(settings, embedder.dimension)
        model = open_chat_model(settings)
        chat_model = _chat_model(settings, model)
        registry = SqlAdapterRegistry(catalog.engine)
        # Over the chat's client: finding or loading a course's adapter for a chat waits for
        # the model server no longer than the answer itself would.
        serving = open_adapter_serving(
            settings, chat_model, registry, open_artifact_store(settings)
        )
        app.state.settings = settings
        app.state.catalog = catalog
        app.state.quizzes = SqlQuizStore(catalog.engine)
        app.state.feedback = SqlFeedbackStore(catalog.engine)
        # Questions the material does not cover, kept for the course's gaps off the chat's
        # path: a slow or failing database never holds up the answer.
        uncovered = BackgroundRecorder(app.state.feedback.record_uncovered)
        app.state.uncovered = uncovered
        app.state.index = index
        app.state.model = model
        app.state.serving = serving
        app.state.chat = open_rag_chat(
            settings,
            catalog,
            embedder,
            index,
            chat_model,
            adapter_for=serving.model_for,
            record_uncovered=uncovered.record,
        )
        async_model = _async_chat_model(chat_model)
        if async_model is not None:
            app.state.chat.use_async_model(async_model)
        metrics = ChatMetrics(app.state.metrics_registry)
        app.state.chat.observer = metrics
        try:
            yield
        finally:
            metrics.close()
            if async_model is not None:
                await async_model.close()
            uncovered.close()
            if chat_model is not model:
                _close(chat_model)
            index.close()
            catalog.close()

    return _lifespan


def _chat_model(settings: Settings, model: ChatModel) -> ChatModel:
    """The model server's client with the chat's timeout; an in-process engine is shared,
    never loaded twice. A retry would double the wait, and the chat's circuit breaker
    copes with a server that stays down."""
    if settings.llm.in_process:
        return model
    return open_chat_model(settings, timeout_s=settings.rag.model_timeout_s, max_retries=0)


def _async_chat_model(model: ChatModel) -> AsyncOpenAIChatModel | None:
    """The chat's client over the event loop, so that a stream waiting for the model server
    holds no thread; None for the in-process engine, which the thread pool runs."""
    return AsyncOpenAIChatModel(model) if isinstance(model, OpenAIChatModel) else None


def _close(model: object) -> None:
    close = getattr(model, "close", None)  # the model server's client holds connections
    if callable(close):
        close()


def _chat(request: Request) -> RagChat:
    return request.app.state.chat


def _index(request: Request) -> SearchIndex:
    return request.app.state.index


def _quizzes(request: Request) -> SqlQuizStore:
    return request.app.state.quizzes


def _feedback(request: Request) -> SqlFeedbackStore:
    return request.app.state.feedback


ChatDep = Annotated[RagChat, Depends(_chat)]
FeedbackDep = Annotated[SqlFeedbackStore, Depends(_feedback)]
IndexDep = Annotated[SearchIndex, Depends(_index)]
QuizzesDep = Annotated[SqlQuizStore, Depends(_quizzes)]
