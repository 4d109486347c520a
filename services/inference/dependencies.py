"""Composition root of the inference service.

In the embedded profile this service owns the Qdrant Edge shard (one process per shard)
and lends it to the others through /internal/index. Chat answers each course with its
active adapter (loaded into the model server on first use if the trainer could not).
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
from byosc.ports import SearchIndex
from byosc.rag.chat import RagChat
from byosc.settings import Settings
from byosc.training.registry import SqlAdapterRegistry


def lifespan(settings: Settings):
    if settings.index.kind == "http":
        raise ValueError("the inference service owns the index: index.kind must be edge or qdrant")

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalog = open_catalog(settings)
        embedder = open_embedder(settings)
        index = open_search_index(settings, embedder.dimension)
        model = open_chat_model(settings)
        registry = SqlAdapterRegistry(catalog.engine)
        serving = open_adapter_serving(settings, model, registry, open_artifact_store(settings))
        app.state.settings = settings
        app.state.index = index
        app.state.model = model
        app.state.chat = open_rag_chat(
            settings, catalog, embedder, index, model, adapter_for=serving.model_for
        )
        try:
            yield
        finally:
            index.close()
            catalog.close()

    return _lifespan


def _chat(request: Request) -> RagChat:
    return request.app.state.chat


def _index(request: Request) -> SearchIndex:
    return request.app.state.index


ChatDep = Annotated[RagChat, Depends(_chat)]
IndexDep = Annotated[SearchIndex, Depends(_index)]
