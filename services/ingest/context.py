"""Composition root of an ingest worker process: adapters built on first use, once per process.

A forked pool process builds its own (an Edge shard, model weights and DB connections do
not survive a fork), and closes them when the pool retires it.
"""

from __future__ import annotations

from functools import cached_property

from byosc.bootstrap import (
    open_catalog,
    open_course_source,
    open_embedder,
    open_job_store,
    open_pipeline,
    open_search_index,
)
from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from byosc.ingest import Pipeline
from byosc.jobs.sql import SqlJobStore
from byosc.ports import Embedder, SearchIndex, Source
from byosc.settings import Settings


class WorkerContext:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def max_attempts(self) -> int:
        return self.settings.queue.max_attempts

    @cached_property
    def catalog(self) -> SqlCatalog:
        return open_catalog(self.settings)

    @cached_property
    def jobs(self) -> SqlJobStore:
        return open_job_store(self.catalog)

    @cached_property
    def embedder(self) -> Embedder:
        return open_embedder(self.settings)

    @cached_property
    def index(self) -> SearchIndex:
        return open_search_index(self.settings, self.embedder.dimension)

    @cached_property
    def pipeline(self) -> Pipeline:
        return open_pipeline(self.settings, self.catalog, self.embedder, self.index)

    def source(self, course: Course) -> Source:
        return open_course_source(self.settings, course)

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
