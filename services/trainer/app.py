"""Trainer service: training jobs, the adapter registry, promotion and rollback."""

from __future__ import annotations

from fastapi import FastAPI

from byosc.settings import Settings
from services.common import readiness
from services.common.web import install_common
from services.trainer.adapter_routes import router as adapter_router
from services.trainer.dependencies import lifespan
from services.trainer.train_routes import router as train_router


async def _ready(app: FastAPI) -> dict[str, str]:
    state = app.state
    return await readiness.probe_all(
        {
            "database": readiness.database(state.catalog.engine),
            "broker": readiness.broker(state.queue.app),
            # Promotion loads adapters into it; training itself does not need it.
            "model_server": state.serving.model.models,
        }
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC trainer", lifespan=lifespan(settings))
    install_common(app, "trainer", _ready, optional=frozenset({"model_server"}))
    app.include_router(train_router)
    app.include_router(adapter_router)
    return app
