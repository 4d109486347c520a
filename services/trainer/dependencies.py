"""Composition root of the trainer service: the adapter registry in the metadata DB, the
artifact store, and the model server the active adapters are loaded into."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from byosc.bootstrap import open_catalog
from byosc.ports import Catalog
from byosc.settings import Settings
from byosc.training.artifacts import open_artifact_store
from byosc.training.registry import SqlAdapterRegistry
from byosc.training.serving import AdapterServing
from byosc.training.settings import TrainingSettings


def lifespan(settings: Settings):
    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        from byosc.llm.openai_chat import OpenAIChatModel

        catalog = open_catalog(settings)
        registry = SqlAdapterRegistry(catalog.engine)
        training: TrainingSettings = getattr(settings, "training", None) or TrainingSettings()
        artifacts = open_artifact_store(training, settings.data_path)
        model = OpenAIChatModel(settings.llm)
        app.state.settings = settings
        app.state.catalog = catalog
        app.state.registry = registry
        fetched = settings.data_path / "adapters-fetched"
        app.state.serving = AdapterServing(model, registry, artifacts, fetched)
        try:
            yield
        finally:
            model.close()
            catalog.close()

    return _lifespan


def _catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def _registry(request: Request) -> SqlAdapterRegistry:
    return request.app.state.registry


def _serving(request: Request) -> AdapterServing:
    return request.app.state.serving


CatalogDep = Annotated[Catalog, Depends(_catalog)]
RegistryDep = Annotated[SqlAdapterRegistry, Depends(_registry)]
ServingDep = Annotated[AdapterServing, Depends(_serving)]
