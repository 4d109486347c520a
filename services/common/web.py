"""Error mapping, /healthz, /readyz and /metrics, installed the same way on every service."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from byosc.errors import (
    AlreadyExists,
    BadFile,
    ByoscError,
    ModelsMissing,
    ModelUnavailable,
    NotFound,
    SourceRefused,
    SourceUnavailable,
)
from byosc.jobs.retry import TransientError
from byosc.llm.adapters import AdapterRejected
from byosc.training.registry import InvalidTransition

log = logging.getLogger(__name__)

# Readiness probe: returns dependency name -> "ok" or a reason it is not.
ReadyCheck = Callable[[FastAPI], Awaitable[dict[str, str]]]

_STATUS: list[tuple[type[ByoscError], int]] = [
    (NotFound, 404),
    (AlreadyExists, 409),
    (BadFile, 422),
    (SourceRefused, 422),
    (SourceUnavailable, 503),
    (TransientError, 503),
    (ModelUnavailable, 503),
    (ModelsMissing, 503),
    (InvalidTransition, 409),  # e.g. promoting an adapter that failed its evaluation
    (AdapterRejected, 502),  # the model server refused the adapter
]


def error_status(exc: ByoscError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)


def install_common(app: FastAPI, service: str, ready: ReadyCheck | None = None) -> None:
    registry = CollectorRegistry()
    requests = Counter(
        "http_requests_total",
        "Requests by route and status",
        ["service", "route", "method", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_seconds",
        "Request latency by route",
        ["service", "route", "method"],
        registry=registry,
    )
    app.state.metrics_registry = registry

    @app.exception_handler(ByoscError)
    async def _byosc_error(_request: Request, exc: ByoscError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=error_status(exc))

    @app.middleware("http")
    async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]):
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        labels = (service, route, request.method)
        latency.labels(*labels).observe(time.perf_counter() - started)
        requests.labels(*labels, str(response.status_code)).inc()
        return response

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks = await ready(app) if ready else {}
        ok = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ok else "unavailable", "service": service, "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"])
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
