"""Adapters opened on first use and closed together: the composition root of a process that
is not a web service (a CLI command, a job worker)."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import Self

from byosc.bootstrap import (
    open_catalog,
    open_course_source,
    open_dataset_builder,
    open_dataset_store,
    open_embedder,
    open_job_store,
    open_pipeline,
    open_search_index,
)
from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from byosc.ingest import Pipeline
from byosc.instructions.build import DatasetBuilder
from byosc.jobs.sql import SqlJobStore
from byosc.ports import DatasetStore, Embedder, SearchIndex, Source
from byosc.settings import Settings


class Adapters:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

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

    @cached_property
    def datasets(self) -> DatasetStore:
        return open_dataset_store(self.settings, self.catalog)

    @cached_property
    def dataset_builder(self) -> DatasetBuilder:
        return open_dataset_builder(
            self.settings, self.catalog, self.embedder, self.index, self.datasets
        )

    def source(self, course: Course) -> Source:
        return open_course_source(self.settings, course)

    def close(self) -> None:
        """Close what was opened (flushing an Edge shard), index before the catalog."""
        for name in ("index", "catalog"):
            if name in self.__dict__:
                self.__dict__[name].close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
