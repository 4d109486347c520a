"""Gateway: the one public API. It checks the caller's API key and forwards each route to
its service; the only data it owns are the API keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

from byosc.auth.access import needs_course_lookup, reaches
from byosc.auth.cache import CachedKeys
from byosc.auth.jwt_tokens import JwtVerifier
from byosc.auth.store import SqlKeyStore
from byosc.bootstrap import open_metadata_db
from byosc.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from byosc.settings import Settings
from services.common import readiness
from services.common.inflight import limit_routes
from services.common.web import install_common
from services.gateway import keys
from services.gateway.auth import require
from services.gateway.body_limit import BodyLimit
from services.gateway.limits import FailOpen, rate_limit
from services.gateway.lti_routes import install_lti
from services.gateway.lti_score_sender import score_sender
from services.gateway.openai_errors import OpenAIErrorsRoute
from services.gateway.openapi import install_openapi
from services.gateway.proxy import forward, forward_list
from services.gateway.routes import ROUTES, Route
from services.gateway.webapp import install_web_app

__all__ = ["ROUTES", "create_app"]


def _service_urls(settings: Settings) -> dict[str, str]:
    urls = settings.services
    return {"ingest": urls.ingest, "inference": urls.inference, "trainer": urls.trainer}


def _lifespan(settings: Settings):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(settings.services.timeout_s, connect=5.0)
        # The guard reads the jobs table to find a job's course; a schema behind this release
        # stops the start here (or, embedded, is migrated first).
        engine = open_metadata_db(settings)
        app.state.db = engine
        app.state.key_store = SqlKeyStore(engine)
        app.state.keys = CachedKeys(app.state.key_store, settings.auth.cache_s)
        if settings.auth.enabled and settings.auth.jwt.enabled:
            # Here rather than on first use: a missing or bad RS256 key stops the start.
            app.state.jwt_verifier = JwtVerifier(settings.auth.jwt)
        redis_url = settings.gateway.rate_limits.redis_url
        # Replicas share counters in Redis; a single gateway counts in its own memory.
        limiter: RateLimiter = (
            RedisRateLimiter.from_url(redis_url) if redis_url else MemoryRateLimiter()
        )
        app.state.rate_limiter = FailOpen(limiter)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                app.state.http = client
                async with score_sender(app):
                    yield
        finally:
            if isinstance(limiter, RedisRateLimiter):
                limiter.close()
            engine.dispose()

    return lifespan


async def _ready(app: FastAPI) -> dict[str, str]:
    settings: Settings = app.state.settings
    probes = {"database": readiness.database(app.state.db)}
    for name, url in _service_urls(settings).items():
        # Their /readyz: a service that answers degraded (inference without its model
        # server) makes the gateway degraded too, naming why.
        probes[name] = readiness.http_ready(url)
    if settings.gateway.rate_limits.redis_url:
        probes["rate_limits"] = readiness.redis_server(settings.gateway.rate_limits.redis_url)
    return await readiness.probe_all(probes)


# The gateway serves whatever is up: chat with the trainer down, jobs with inference down;
# without its rate-limit Redis it lets requests through. Only the key database is needed.
OPTIONAL_FOR_READINESS = frozenset({"ingest", "inference", "trainer", "rate_limits"})


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
    # Inside install_common's middleware: 413s and 503s get request IDs and are measured.
    limiter = limit_routes(app, settings.gateway.inflight)
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.gateway.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    install_common(app, "gateway", _ready, optional=OPTIONAL_FOR_READINESS)
    limiter.export(app.state.metrics_registry, "gateway")
    _install_cors(app, settings.gateway.cors_origins)
    urls = _service_urls(settings)
    for route in ROUTES:
        app.router.add_api_route(
            route.path,
            _forwarder(urls[route.service], route),
            methods=route.methods,
            summary=route.summary,
            tags=[route.service],
            dependencies=[
                Depends(require(route.access, route.course_in)),
                Depends(rate_limit(route.access)),
            ],
            route_class_override=OpenAIErrorsRoute if route.protocol == "openai" else None,
        )
    app.include_router(keys.router)
    install_lti(app)
    install_web_app(app)
    install_openapi(app, urls)
    return app


def _install_cors(app: FastAPI, origins: list[str]) -> None:
    """Outermost, so refusals (401, 413, 429) reach browser code too. Preflight requests are
    answered here, before any guard: they carry no API key."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After", "X-Request-ID"],
    )
