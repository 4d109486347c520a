"""Composition root of the ingest service: adapters are built in the lifespan, not at import.

The service owns no worker: refreshes and uploads go on the job queue (Celery), and
`GET /jobs/{id}` reads their progress from the metadata DB.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from byosc.bootstrap import (
    open_catalog,
    open_dataset_store,
    open_embedder,
    open_job_store,
    open_search_index,
)
from byosc.jobs.sql import SqlJobStore
from byosc.ports import Catalog, DatasetStore, JobQueue, SearchIndex
from byosc.settings import Settings
from services.ingest.queue import CeleryJobQueue
from services.ingest.worker import create_celery


def lifespan(settings: Settings):
    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalog = open_catalog(settings)
        embedder = open_embedder(settings)
        index = open_search_index(settings, embedder.dimension)
        queue = CeleryJobQueue(create_celery(settings))
        app.state.settings = settings
        app.state.catalog = catalog
        app.state.jobs = open_job_store(catalog)
        app.state.index = index
        app.state.queue = queue
        app.state.datasets = open_dataset_store(settings, catalog)
        try:
            yield
        finally:
            queue.close()
            index.close()
            catalog.close()

    return _lifespan


def _catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def _jobs(request: Request) -> SqlJobStore:
    return request.app.state.jobs


def _queue(request: Request) -> JobQueue:
    return request.app.state.queue


def _index(request: Request) -> SearchIndex:
    return request.app.state.index


def _datasets(request: Request) -> DatasetStore:
    return request.app.state.datasets


def _settings(request: Request) -> Settings:
    return request.app.state.settings


CatalogDep = Annotated[Catalog, Depends(_catalog)]
JobsDep = Annotated[SqlJobStore, Depends(_jobs)]
QueueDep = Annotated[JobQueue, Depends(_queue)]
IndexDep = Annotated[SearchIndex, Depends(_index)]
SettingsDep = Annotated[Settings, Depends(_settings)]
DatasetsDep = Annotated[DatasetStore, Depends(_datasets)]
