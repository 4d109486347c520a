"""Model server: the local engine behind vLLM's OpenAI-compatible API (embedded profile)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from byosc.llm.engine import LocalEngine
from byosc.models import bundled_models
from byosc.settings import Settings
from services.common.web import install_common
from services.modelserver import routes
from services.modelserver.errors import install_openai_errors
from services.modelserver.metrics import register_engine_metrics
from services.modelserver.warmup import Readiness, warm_up

log = logging.getLogger(__name__)


def lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        llm_dir = bundled_models(settings).llm_dir
        started = time.perf_counter()
        engine = await run_in_threadpool(LocalEngine, llm_dir, base_name=settings.llm.model)
        log.info("loaded %s in %.1fs", llm_dir, time.perf_counter() - started)
        app.state.engine = engine
        app.state.settings = settings
        app.state.started = int(time.time())
        app.state.readiness = readiness = Readiness()
        metrics = register_engine_metrics(app.state.metrics_registry, engine.stats)
        # In the background: /healthz and /readyz answer while the engine warms up.
        warming = asyncio.create_task(warm_up(engine, readiness))
        try:
            yield
        finally:
            warming.cancel()
            app.state.metrics_registry.unregister(metrics)

    return _lifespan


async def _ready(app: FastAPI) -> dict[str, str]:
    readiness: Readiness | None = getattr(app.state, "readiness", None)
    return {"engine": readiness.engine if readiness else "loading"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC model server", lifespan=lifespan(settings))
    install_common(app, "modelserver", _ready)
    install_openai_errors(app)
    app.include_router(routes.router)
    return app
