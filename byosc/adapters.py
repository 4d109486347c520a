"""Adapters opened on first use and closed together: the composition root of a process that
is not a web service (a CLI command, a job worker)."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

from byosc.bootstrap import (
    open_adapter_serving,
    open_artifact_store,
    open_catalog,
    open_chat_model,
    open_course_source,
    open_dataset_builder,
    open_dataset_store,
    open_embedder,
    open_hub_publisher,
    open_job_store,
    open_pipeline,
    open_search_index,
)
from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from byosc.ingest import Pipeline
from byosc.jobs.sql import SqlJobStore
from byosc.ports import ArtifactStore, ChatModel, DatasetStore, Embedder, SearchIndex, Source
from byosc.settings import Settings
from byosc.sources.cursors import SqlSourceCursors
from byosc.training.publishing.store import SqlAdapterPublications
from byosc.training.registry import SqlAdapterRegistry
from byosc.training.serving import AdapterServing

# torch loads when a training runs, and numpy when a dataset is built, not with every
# command: the gateway image runs the command line (migrations, keys) without either.
if TYPE_CHECKING:
    from byosc.instructions.build import DatasetBuilder
    from byosc.training.pipeline import TrainingParts
    from byosc.training.publishing.publisher import HubPublisher


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

    @cached_property
    def model(self) -> ChatModel:
        return open_chat_model(self.settings)

    @cached_property
    def adapter_registry(self) -> SqlAdapterRegistry:
        return SqlAdapterRegistry(self.catalog.engine)

    @cached_property
    def artifacts(self) -> ArtifactStore:
        return open_artifact_store(self.settings)

    @cached_property
    def adapter_publications(self) -> SqlAdapterPublications:
        return SqlAdapterPublications(self.catalog.engine)

    @cached_property
    def hub_publisher(self) -> HubPublisher:
        return open_hub_publisher(
            self.settings, self.adapter_publications, self.artifacts, self.datasets
        )

    @cached_property
    def adapter_serving(self) -> AdapterServing:
        publish = self.settings.training.hub.publish_on_promotion
        return open_adapter_serving(
            self.settings,
            self.model,
            self.adapter_registry,
            self.artifacts,
            after_promotion=self.hub_publisher.on_promotion if publish else None,
        )

    @cached_property
    def training_parts(self) -> TrainingParts:
        from byosc.training.base_model import base_model_info
        from byosc.training.pipeline import TrainingParts

        return TrainingParts(
            datasets=self.datasets,
            index=self.index,
            embedder=self.embedder,
            registry=self.adapter_registry,
            artifacts=self.artifacts,
            serving=self.adapter_serving,
            base=base_model_info(self.settings),
            settings=self.settings.training,
            work_root=self.settings.training.checkpoints_path(self.settings.data_path),
        )

    @cached_property
    def source_cursors(self) -> SqlSourceCursors:
        return SqlSourceCursors(self.catalog.engine)

    def source(self, course: Course) -> Source:
        # A Drive course's listing follows the change log from where its last one left off.
        cursors = self.source_cursors if course.source.kind == "gdrive" else None
        return open_course_source(self.settings, course, cursors)

    def close(self) -> None:
        """Close what was opened (flushing an Edge shard), index before the catalog."""
        for name in ("model", "index", "catalog"):
            if name in self.__dict__:
                self.__dict__[name].close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
