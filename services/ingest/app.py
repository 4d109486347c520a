"""Ingest service: courses, uploads and refresh jobs (run by Celery workers)."""

from __future__ import annotations

from fastapi import FastAPI

from byosc.settings import Settings
from services.common import readiness
from services.common.web import install_common
from services.ingest.dataset_routes import router as dataset_router
from services.ingest.dependencies import lifespan
from services.ingest.file_routes import router as file_router
from services.ingest.job_routes import router as job_router
from services.ingest.routes import router
from services.ingest.schedule_routes import router as schedule_router
from services.ingest.worker_readiness import workers


async def _ready(app: FastAPI) -> dict[str, str]:
    state = app.state
    return await readiness.probe_all(
        {
            "database": readiness.database(state.catalog.engine),
            "broker": readiness.broker(state.queue.app),
            "index": lambda: state.index.count(readiness.NO_COURSE),
            "workers": workers(state.settings, state.queue.app),
            "storage": readiness.free_space(state.settings.data_path),
        }
    )


# Without a worker the service still takes uploads and queues refreshes: jobs wait. With
# its disk full it still lists courses and jobs; uploads and refreshes fail with the reason.
OPTIONAL_FOR_READINESS = frozenset({"workers", "storage"})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC ingest", lifespan=lifespan(settings))
    install_common(app, "ingest", _ready, optional=OPTIONAL_FOR_READINESS)
    app.include_router(router)
    app.include_router(job_router)
    app.include_router(dataset_router)
    app.include_router(file_router)
    app.include_router(schedule_router)
    return app
