"""Composition root of the trainer service: the adapter registry in the metadata DB, the
artifact store, the model server the active adapters are loaded into, the job queue
that training jobs go on (a worker consuming `train` runs them), and the model hub
promoted adapters are published to when training.hub says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI

from byosc.bootstrap import (
    open_adapter_serving,
    open_artifact_store,
    open_catalog,
    open_dataset_store,
    open_hub_publisher,
    open_job_store,
)
from byosc.settings import Settings
from byosc.training.publishing.store import SqlAdapterPublications
from byosc.training.registry import SqlAdapterRegistry
from byosc.training.serving import AdapterServing
from services.common.jobqueue import open_job_queue
from services.common.state import CatalogDep, JobsDep, QueueDep, SettingsDep, from_state


def lifespan(settings: Settings):
    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        from byosc.llm.openai_chat import OpenAIChatModel

        catalog = open_catalog(settings)
        registry = SqlAdapterRegistry(catalog.engine)
        model = OpenAIChatModel(settings.llm)
        queue = open_job_queue(settings)
        app.state.settings = settings
        app.state.catalog = catalog
        app.state.jobs = open_job_store(catalog)
        app.state.queue = queue
        app.state.registry = registry
        artifacts = open_artifact_store(settings)
        app.state.publications = SqlAdapterPublications(catalog.engine)
        publish = None
        if settings.training.hub.publish_on_promotion:
            datasets = open_dataset_store(settings, catalog)
            publisher = open_hub_publisher(settings, app.state.publications, artifacts, datasets)
            publish = publisher.on_promotion
        app.state.serving = open_adapter_serving(settings, model, registry, artifacts, publish)
        try:
            yield
        finally:
            queue.close()
            model.close()
            catalog.close()

    return _lifespan


RegistryDep = Annotated[SqlAdapterRegistry, Depends(from_state("registry"))]
PublicationsDep = Annotated[SqlAdapterPublications, Depends(from_state("publications"))]
ServingDep = Annotated[AdapterServing, Depends(from_state("serving"))]
# Routes import the shared dependencies from here too.
__all__ = [
    "CatalogDep",
    "JobsDep",
    "PublicationsDep",
    "QueueDep",
    "RegistryDep",
    "ServingDep",
    "SettingsDep",
    "lifespan",
]
