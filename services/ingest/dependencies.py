"""Composition root of the ingest service: adapters are built in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from byosc.bootstrap import open_catalog, open_embedder, open_search_index
from byosc.ingest import Ingestor
from byosc.ports import Catalog, SearchIndex
from byosc.settings import Settings


def lifespan(settings: Settings):
    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalog = open_catalog(settings)
        embedder = open_embedder(settings)
        index = open_search_index(settings, embedder.dimension)
        app.state.settings = settings
        app.state.catalog = catalog
        app.state.index = index
        app.state.ingestor = Ingestor(catalog, embedder, index, settings.chunking)
        try:
            yield
        finally:
            index.close()
            catalog.close()

    return _lifespan


def _catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def _index(request: Request) -> SearchIndex:
    return request.app.state.index


def _ingestor(request: Request) -> Ingestor:
    return request.app.state.ingestor


def _settings(request: Request) -> Settings:
    return request.app.state.settings


CatalogDep = Annotated[Catalog, Depends(_catalog)]
IndexDep = Annotated[SearchIndex, Depends(_index)]
IngestorDep = Annotated[Ingestor, Depends(_ingestor)]
SettingsDep = Annotated[Settings, Depends(_settings)]
