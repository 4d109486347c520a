"""Inference service: RAG chat with citations, search, and the embedded index's owner."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from byosc.settings import Settings
from services.common.web import install_common
from services.inference import index_routes, openai_routes, quiz_routes, routes
from services.inference.dependencies import lifespan


async def _ready(app: FastAPI) -> dict[str, str]:
    try:
        await asyncio.to_thread(app.state.model.models)
        return {"model_server": "ok"}
    except Exception as exc:  # readiness reports the failure instead of raising it
        return {"model_server": f"error: {exc}"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC inference", lifespan=lifespan(settings))
    install_common(app, "inference", _ready)
    app.include_router(routes.router)
    app.include_router(index_routes.router)
    app.include_router(quiz_routes.router)
    app.include_router(openai_routes.router)
    return app
