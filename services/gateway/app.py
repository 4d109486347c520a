"""Gateway: the one public API. It checks the caller's API key and forwards each route to
its service; the only data it owns are the API keys."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Request, Response

from byosc.auth.access import needs_course_lookup, reaches
from byosc.auth.cache import CachedKeys
from byosc.auth.store import SqlKeyStore
from byosc.catalog.sql import open_engine
from byosc.settings import Settings
from services.common.web import install_common
from services.gateway import keys
from services.gateway.auth import require
from services.gateway.openai_errors import OpenAIErrorsRoute
from services.gateway.proxy import forward, forward_list
from services.gateway.routes import ROUTES, Route

__all__ = ["ROUTES", "create_app"]


def _service_urls(settings: Settings) -> dict[str, str]:
    urls = settings.services
    return {"ingest": urls.ingest, "inference": urls.inference, "trainer": urls.trainer}


def _lifespan(settings: Settings):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(settings.services.timeout_s, connect=5.0)
        # Creates the metadata DB's tables if the gateway starts first: the guard reads the
        # jobs table to find a job's course.
        engine = open_engine(settings.database_url)
        app.state.db = engine
        app.state.key_store = SqlKeyStore(engine)
        app.state.keys = CachedKeys(app.state.key_store, settings.auth.cache_s)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                app.state.http = client
                yield
        finally:
            engine.dispose()

    return lifespan


async def _ready(app: FastAPI) -> dict[str, str]:
    client: httpx.AsyncClient = app.state.http

    async def probe(url: str) -> str:
        try:
            response = await client.get(f"{url}/healthz", timeout=2.0)
            return "ok" if response.status_code == 200 else f"status {response.status_code}"
        except httpx.HTTPError as exc:
            return f"unreachable ({type(exc).__name__})"

    services = _service_urls(app.state.settings)
    states = await asyncio.gather(*(probe(u) for u in services.values()))
    return dict(zip(services, states, strict=True))


def _forwarder(base_url: str, route: Route) -> Callable[[Request], Awaitable[Response]]:
    async def forward_route(request: Request) -> Response:
        return await forward(request.app.state.http, base_url, request)

    async def forward_listing(request: Request) -> Response:
        key = request.state.api_key
        if key is None or not needs_course_lookup(key):
            return await forward(request.app.state.http, base_url, request)

        def keep(item: Any) -> bool:
            return isinstance(item, dict) and reaches(key, str(item.get("id")))

        # OpenAI's listings hold their items under "data".
        items_at = "data" if route.protocol == "openai" else None
        return await forward_list(request.app.state.http, base_url, request, keep, items_at)

    return forward_listing if route.access == "list" else forward_route


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="BYOSC",
        description="Course study buddies: answers from course material, with citations. "
        "Every route but /healthz, /readyz and /metrics takes an API key "
        "(Authorization: Bearer).",
        lifespan=_lifespan(settings),
    )
    app.state.settings = settings
    install_common(app, "gateway", _ready)
    urls = _service_urls(settings)
    for route in ROUTES:
        app.router.add_api_route(
            route.path,
            _forwarder(urls[route.service], route),
            methods=route.methods,
            summary=route.summary,
            tags=[route.service],
            dependencies=[Depends(require(route.access, route.course_in))],
            route_class_override=OpenAIErrorsRoute if route.protocol == "openai" else None,
        )
    app.include_router(keys.router)
    return app
