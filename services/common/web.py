"""Error mapping, request IDs, request metrics, /healthz, /readyz, /metrics and the docs
pages, installed the same way on every service. A service adds its own metrics to
`app.state.metrics_registry`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from byosc.disk_room import StorageFull
from byosc.errors import (
    AlreadyExists,
    BadFile,
    ByoscError,
    Conflict,
    ModelsMissing,
    ModelUnavailable,
    NotFound,
    SourceRefused,
    SourceUnavailable,
)
from byosc.jobs.retry import TransientError
from byosc.llm.adapters import AdapterRejected
from byosc.openai_compat import error_body
from byosc.training.registry import InvalidTransition
from services.common.docs import install_docs
from services.common.request_middleware import RequestIds, RequestMetrics
from services.common.validation_errors import capped_validation_errors

log = logging.getLogger(__name__)

# A restart or failover of the metadata database takes seconds: clients are told to come
# back, as on any other overload, instead of getting a 500.
DATABASE_RETRY_AFTER_S = 5

# Readiness probe: returns dependency name -> "ok" or a reason it is not.
ReadyCheck = Callable[[FastAPI], Awaitable[dict[str, str]]]

_STATUS: list[tuple[type[ByoscError], int]] = [
    (NotFound, 404),
    (AlreadyExists, 409),
    (Conflict, 409),
    (BadFile, 422),
    (SourceRefused, 422),
    (SourceUnavailable, 503),
    (TransientError, 503),
    (ModelUnavailable, 503),
    (ModelsMissing, 503),
    (InvalidTransition, 409),  # e.g. promoting an adapter that failed its evaluation
    (AdapterRejected, 502),  # the model server refused the adapter
    (StorageFull, 507),  # Insufficient Storage: the data directory's disk
]


def error_status(exc: ByoscError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)


def install_common(
    app: FastAPI,
    service: str,
    ready: ReadyCheck | None = None,
    optional: frozenset[str] = frozenset(),
) -> None:
    """`optional`: checks reported by /readyz whose failure leaves the service able to
    answer (degraded), so it stays ready: an orchestrator must not take it out of service."""
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

    app.exception_handler(RequestValidationError)(capped_validation_errors)
    for unreachable in (sa.exc.OperationalError, sa.exc.InterfaceError):
        app.exception_handler(unreachable)(_database_unreachable)
    install_docs(app)

    # RequestIds wraps RequestMetrics (the later one added is the outer): the ID is set
    # before anything inside logs, and the metrics count the 500 it answers for an error
    # that escapes the app. Middleware a service adds after this call wraps both.
    app.add_middleware(RequestMetrics, service=service, requests=requests, latency=latency)
    app.add_middleware(RequestIds)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get(
        "/readyz",
        tags=["ops"],
        responses={503: {"description": "A dependency the service needs is not ready."}},
    )
    async def readyz() -> JSONResponse:
        checks = await ready(app) if ready else {}
        failed = {name for name, state in checks.items() if state != "ok"}
        status = "unavailable" if failed - optional else "degraded" if failed else "ok"
        body = {"status": status, "service": service, "checks": checks}
        return JSONResponse(body, status_code=503 if status == "unavailable" else 200)

    # Not async: a service's collectors may query its database or broker while scraped.
    # Documented as text/plain: Prometheus' text format.
    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def _database_unreachable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("metadata database unreachable: %s", str(exc).splitlines()[0][:300])
    message = f"the metadata database is not answering; retry in {DATABASE_RETRY_AFTER_S} s"
    # OpenAI clients read their error shape; this API's clients read "detail".
    answer = error_body(503, message) if request.url.path.startswith("/v1/") else {}
    headers = {"retry-after": str(DATABASE_RETRY_AFTER_S)}
    return JSONResponse({"detail": message, **answer}, status_code=503, headers=headers)
