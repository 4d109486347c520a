"""The model server says it is ready only once its engine has answered: a warm-up
generation at start, /readyz 503 and /v1 503 until it is done."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from byosc.llm.engine import LocalEngine
from byosc.settings import Settings
from services.modelserver import app as modelserver_app
from services.modelserver.app import create_app
from services.modelserver.warmup import Readiness
from tests.support.modelserver import engine_metrics, running_modelserver

pytestmark = pytest.mark.slow

HELLO = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 2}


def test_a_started_model_server_is_ready_and_has_already_generated(tmp_path: Path) -> None:
    with running_modelserver(tmp_path) as url:  # returns once the server says it is ready
        server = url.removesuffix("/v1")
        ready = httpx.get(f"{server}/readyz", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"engine": "ok"}
        assert engine_metrics(server)["modelserver_generation_tokens_total"] > 0


def test_until_the_warm_up_ends_readiness_and_the_api_answer_503(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = threading.Event()
    real_warm_up = modelserver_app.warm_up

    async def held_warm_up(engine: LocalEngine, readiness: Readiness) -> None:
        await anyio.to_thread.run_sync(released.wait)
        await real_warm_up(engine, readiness)

    monkeypatch.setattr(modelserver_app, "warm_up", held_warm_up)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        waiting = client.get("/readyz")
        assert waiting.status_code == 503
        assert waiting.json()["checks"] == {"engine": "warming up"}
        refused = client.post("/v1/chat/completions", json=HELLO)
        assert refused.status_code == 503
        assert refused.json()["error"]["type"] == "ServiceUnavailableError"
        released.set()
        deadline = time.monotonic() + 120
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the warm-up never ended"
            time.sleep(0.2)
        assert client.post("/v1/chat/completions", json=HELLO).status_code == 200
