"""Inference service: RAG chat with citations, search, and the embedded index's owner."""

from __future__ import annotations

from fastapi import FastAPI

from byosc.errors import ByoscError
from byosc.settings import Settings
from byosc.training.serving import AdapterServing
from services.common import readiness
from services.common.inflight import MODEL_ROUTES, RETRIEVAL_ROUTES, limit_routes
from services.common.web import install_common
from services.inference import (
    feedback_routes,
    index_routes,
    openai_routes,
    quiz_routes,
    routes,
)
from services.inference.dependencies import lifespan


class AdapterUnavailableForCourses(ByoscError):
    """Readiness: the courses whose active adapter cannot be served."""


async def _ready(app: FastAPI) -> dict[str, str]:
    state = app.state
    return await readiness.probe_all(
        {
            "database": readiness.database(state.catalog.engine),
            "index": lambda: state.index.count(readiness.NO_COURSE),
            # Without it chat still answers, degraded: passages and citations only.
            "model_server": state.model.models,
            "adapters": lambda: _adapters_served(state.serving),
            # The embedded index's owner writes its shard there; chat only reads.
            "storage": readiness.free_space(state.settings.data_path),
        }
    )


def _adapters_served(serving: AdapterServing) -> None:
    """Loads the active adapters the model server lacks (after its restart); raises naming
    every course whose adapter cannot be served."""
    if failing := serving.check():
        courses = ", ".join(sorted(failing))
        raise AdapterUnavailableForCourses(
            f"{len(failing)} course(s) answered by the base model: {courses}; "
            + "; ".join(failing[course] for course in sorted(failing))
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC inference", lifespan=lifespan(settings))
    # A failing adapter leaves the service degraded, not unready (503): every replica reads
    # the same registry and artifact store, so all would fail the probe together and chat
    # would stop for every course, while the failing course still gets answers (from the
    # base model, saying so) and the others their adapters.
    optional = frozenset({"model_server", "adapters", "storage"})
    limiter = limit_routes(app, settings.inflight, MODEL_ROUTES)
    searches = limit_routes(app, settings.retrieval_inflight, RETRIEVAL_ROUTES)
    install_common(app, "inference", _ready, optional=optional)
    limiter.export(app.state.metrics_registry, "inference")
    searches.export(app.state.metrics_registry, "inference", prefix="byosc_retrieval")
    app.include_router(routes.router)
    app.include_router(index_routes.router)
    app.include_router(quiz_routes.router)
    app.include_router(feedback_routes.router)
    app.include_router(openai_routes.router)
    return app
