"""Trainer service: training jobs, the adapter registry, promotion and rollback."""

from __future__ import annotations

from fastapi import FastAPI

from byosc.settings import Settings
from services.common.web import install_common
from services.trainer.adapter_routes import router as adapter_router
from services.trainer.dependencies import lifespan
from services.trainer.train_routes import router as train_router


async def _ready(app: FastAPI) -> dict[str, str]:
    try:
        app.state.registry.list("")
        return {"database": "ok"}
    except Exception as exc:  # readiness reports the failure instead of raising it
        return {"database": f"error: {exc}"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC trainer", lifespan=lifespan(settings))
    install_common(app, "trainer", _ready)
    app.include_router(train_router)
    app.include_router(adapter_router)
    return app
