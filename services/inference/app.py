"""Inference service: RAG chat with citations, search, and the embedded index's owner."""

from __future__ import annotations

from fastapi import FastAPI

from byosc.settings import Settings
from services.common import readiness
from services.common.web import install_common
from services.inference import index_routes, openai_routes, quiz_routes, routes
from services.inference.dependencies import lifespan


async def _ready(app: FastAPI) -> dict[str, str]:
    state = app.state
    return await readiness.probe_all(
        {
            "database": readiness.database(state.catalog.engine),
            "index": lambda: state.index.count(readiness.NO_COURSE),
            # Without it chat still answers, degraded: passages and citations only.
            "model_server": state.model.models,
        }
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC inference", lifespan=lifespan(settings))
    install_common(app, "inference", _ready, optional=frozenset({"model_server"}))
    app.include_router(routes.router)
    app.include_router(index_routes.router)
    app.include_router(quiz_routes.router)
    app.include_router(openai_routes.router)
    return app
