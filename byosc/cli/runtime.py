"""The adapters a CLI command needs, built from settings and closed when it ends.

In the embedded profile the CLI runs everything in-process, including the LLM, so it must
not run while `make up` holds the same index directory."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType

from byosc.bootstrap import (
    open_catalog,
    open_chat_model,
    open_embedder,
    open_job_store,
    open_pipeline,
    open_search_index,
)
from byosc.catalog.sql import SqlCatalog
from byosc.ingest import Ingestor, Pipeline
from byosc.jobs.sql import SqlJobStore
from byosc.ports import ChatModel, Embedder, SearchIndex
from byosc.rag.chat import RagChat
from byosc.settings import Settings


class Runtime:
    def __init__(self, settings: Settings | None = None, llm: bool = False) -> None:
        settings = settings or Settings()
        # Embedded and not told otherwise: run the local engine here rather than expect a
        # model server to be up.
        auto = "in_process" not in settings.llm.model_fields_set
        if llm and auto and settings.profile == "embedded":
            llm_settings = settings.llm.model_copy(update={"in_process": True})
            settings = settings.model_copy(update={"llm": llm_settings})
        self.settings = settings
        self._opened: list[SearchIndex | SqlCatalog] = []

    @cached_property
    def catalog(self) -> SqlCatalog:
        catalog = open_catalog(self.settings)
        self._opened.append(catalog)
        return catalog

    @cached_property
    def jobs(self) -> SqlJobStore:
        return open_job_store(self.catalog)

    @cached_property
    def embedder(self) -> Embedder:
        return open_embedder(self.settings)

    @cached_property
    def index(self) -> SearchIndex:
        index = open_search_index(self.settings, self.embedder.dimension)
        self._opened.append(index)
        return index

    @cached_property
    def model(self) -> ChatModel:
        return open_chat_model(self.settings)

    @cached_property
    def pipeline(self) -> Pipeline:
        return open_pipeline(self.settings, self.catalog, self.embedder, self.index)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.pipeline)

    @cached_property
    def chat(self) -> RagChat:
        s = self.settings
        return RagChat(self.catalog, self.embedder, self.index, self.model, s.rag, s.llm.model)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        for resource in reversed(self._opened):
            resource.close()
