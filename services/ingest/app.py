"""Ingest service: courses, uploads and refresh jobs (run by Celery workers)."""

from __future__ import annotations

from fastapi import FastAPI

from byosc.settings import Settings
from services.common.web import install_common
from services.ingest.dataset_routes import router as dataset_router
from services.ingest.dependencies import lifespan
from services.ingest.job_routes import router as job_router
from services.ingest.routes import router


async def _ready(app: FastAPI) -> dict[str, str]:
    try:
        app.state.catalog.list_courses()
        return {"database": "ok"}
    except Exception as exc:  # readiness reports the failure instead of raising it
        return {"database": f"error: {exc}"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC ingest", lifespan=lifespan(settings))
    install_common(app, "ingest", _ready)
    app.include_router(router)
    app.include_router(job_router)
    app.include_router(dataset_router)
    return app
