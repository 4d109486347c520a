"""Gateway: the one public API. It owns no data; it forwards each route to its service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Response

from byosc.settings import Settings
from services.common.web import install_common
from services.gateway.proxy import forward

# path, methods, owning service, summary
ROUTES: list[tuple[str, list[str], str, str]] = [
    ("/courses", ["GET", "POST"], "ingest", "List or create courses"),
    ("/courses/{course_id}", ["GET", "DELETE"], "ingest", "Read or delete a course"),
    ("/courses/{course_id}/documents", ["GET", "POST"], "ingest", "List or upload documents"),
    ("/courses/{course_id}/refresh", ["POST"], "ingest", "Sync the index with the source"),
    ("/jobs/{job_id}", ["GET"], "ingest", "A job's state, progress and errors"),
    ("/jobs/{job_id}/cancel", ["POST"], "ingest", "Cancel a queued or running job"),
    ("/courses/{course_id}/search", ["GET"], "inference", "Ranked chunks for a query"),
    ("/chat", ["POST"], "inference", "Answer with citations (stream: true for SSE)"),
    ("/courses/{course_id}/quiz", ["POST"], "inference", "Practice questions with citations"),
    ("/courses/{course_id}/quiz/grade", ["POST"], "inference", "Grade answers to a quiz"),
    ("/courses/{course_id}/datasets", ["POST"], "ingest", "Generate the next dataset version"),
    ("/courses/{course_id}/datasets", ["GET"], "ingest", "Instruction dataset versions"),
    ("/courses/{course_id}/datasets/{version}", ["GET"], "ingest", "A version's report, sample"),
    (
        "/courses/{course_id}/datasets/{version}/export",
        ["GET"],
        "ingest",
        "A version as chat-format JSON lines",
    ),
    ("/courses/{course_id}/train", ["POST"], "trainer", "Train, evaluate and promote an adapter"),
    ("/courses/{course_id}/adapters", ["GET"], "trainer", "The course's LoRA adapters"),
    (
        "/courses/{course_id}/adapters/{name}/promote",
        ["POST"],
        "trainer",
        "Serve an adapter as the course's active one",
    ),
    ("/courses/{course_id}/rollback", ["POST"], "trainer", "Restore the previous adapter"),
]


def _service_urls(settings: Settings) -> dict[str, str]:
    urls = settings.services
    return {"ingest": urls.ingest, "inference": urls.inference, "trainer": urls.trainer}


def _lifespan(settings: Settings):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(settings.services.timeout_s, connect=5.0)
        async with httpx.AsyncClient(timeout=timeout) as client:
            app.state.http = client
            yield

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


def _forwarder(base_url: str) -> Callable[[Request], Awaitable[Response]]:
    async def route(request: Request) -> Response:
        return await forward(request.app.state.http, base_url, request)

    return route


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="BYOSC",
        description="Course study buddies: answers from course material, with citations.",
        lifespan=_lifespan(settings),
    )
    app.state.settings = settings
    install_common(app, "gateway", _ready)
    urls = _service_urls(settings)
    for path, methods, service, summary in ROUTES:
        app.add_api_route(
            path, _forwarder(urls[service]), methods=methods, summary=summary, tags=[service]
        )
    return app
