"""Composition root of the ingest service: adapters are built in the lifespan, not at import.

The service owns no worker: refreshes and uploads go on the job queue (Celery), and
`GET /jobs/{id}` reads their progress from the metadata DB.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI

from byosc.bootstrap import (
    open_artifact_store,
    open_catalog,
    open_dataset_store,
    open_embedder,
    open_job_store,
    open_search_index,
)
from byosc.ports import ArtifactStore, DatasetStore, SearchIndex
from byosc.settings import Settings
from byosc.training.registry import SqlAdapterRegistry
from services.common.jobqueue import open_job_queue
from services.common.state import CatalogDep, JobsDep, QueueDep, SettingsDep, from_state
from services.ingest.metrics import job_metrics


def lifespan(settings: Settings):
    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalog = open_catalog(settings)
        embedder = open_embedder(settings)
        index = open_search_index(settings, embedder.dimension)
        queue = open_job_queue(settings)
        app.state.settings = settings
        app.state.catalog = catalog
        app.state.jobs = open_job_store(catalog)
        app.state.index = index
        app.state.queue = queue
        app.state.datasets = open_dataset_store(settings, catalog)
        app.state.adapters = (SqlAdapterRegistry(catalog.engine), open_artifact_store(settings))
        try:
            with job_metrics(app.state.metrics_registry, settings, app.state.jobs.engine):
                yield
        finally:
            queue.close()
            index.close()
            catalog.close()

    return _lifespan


IndexDep = Annotated[SearchIndex, Depends(from_state("index"))]
DatasetsDep = Annotated[DatasetStore, Depends(from_state("datasets"))]
# The course's adapters and their artifacts: removed with the course.
AdaptersDep = Annotated[tuple[SqlAdapterRegistry, ArtifactStore], Depends(from_state("adapters"))]
# Routes import the shared dependencies from here too.
__all__ = [
    "AdaptersDep",
    "CatalogDep",
    "DatasetsDep",
    "IndexDep",
    "JobsDep",
    "QueueDep",
    "SettingsDep",
    "lifespan",
]
