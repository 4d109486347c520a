"""Trainer service: LoRA training jobs and the adapter registry (training lands next).

For now it lists the adapters present in the artifact directory, so the gateway's
`GET /courses/{id}/adapters` route has its owner from the start."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, Request

from byosc.settings import Settings
from services.common.web import install_common


def adapters_dir(settings: Settings) -> Path:
    return settings.data_path / "adapters"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="BYOSC trainer")
    app.state.settings = settings
    install_common(app, "trainer")

    @app.get("/courses/{course_id}/adapters", tags=["adapters"])
    def list_adapters(course_id: str, request: Request) -> list[dict[str, object]]:
        root = adapters_dir(request.app.state.settings) / course_id
        found = sorted(p for p in root.glob("*/adapter_config.json")) if root.is_dir() else []
        return [{"name": p.parent.name, "config": json.loads(p.read_text())} for p in found]

    return app
