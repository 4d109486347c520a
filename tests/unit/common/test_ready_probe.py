"""The probe of another service's /readyz, against a real service built with the same
/readyz as every BYOSC service: a dependency it answers without still fails the probe,
named, so the caller reports itself degraded instead of ready."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from services.common import readiness
from services.common.web import install_common
from tests.support.threaded_server import served_in_thread


def _service(model_server: str) -> FastAPI:
    async def ready(_app: FastAPI) -> dict[str, str]:
        return {"database": "ok", "model_server": model_server}

    app = FastAPI()
    install_common(app, "inference", ready, optional=frozenset({"model_server"}))
    return app


def _probe(url: str) -> dict[str, str]:
    return asyncio.run(readiness.probe_all({"inference": readiness.http_ready(url)}))


def test_a_service_whose_checks_all_pass_is_ready() -> None:
    with served_in_thread(_service("ok")) as url:
        assert _probe(url) == {"inference": "ok"}


def test_a_service_answering_degraded_fails_the_probe_naming_its_failed_check() -> None:
    with served_in_thread(_service("error: ConnectError: refused")) as url:
        state = _probe(url)["inference"]
    assert state.startswith("error: DependencyNotReady: model_server: error: ConnectError")


def test_a_service_that_is_down_fails_the_probe() -> None:
    with served_in_thread(_service("ok")) as url:
        pass
    assert _probe(url)["inference"].startswith("error: ConnectError")
