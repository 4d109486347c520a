"""Readiness probes against real dependencies: SQLite, Redis, the embedded broker folder,
and ones that are down or hang."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import create_engine

from byosc.settings import Settings
from services.common import readiness
from services.common.jobqueue import configure_celery


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_probe_is_reported_by_name_with_its_state(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'meta.db'}")

    def fails() -> None:
        raise RuntimeError("disk on fire")

    states = asyncio.run(readiness.probe_all({"database": readiness.database(engine), "x": fails}))
    assert states["database"] == "ok"
    assert states["x"].startswith("error: RuntimeError: disk on fire")


def test_a_hung_dependency_is_reported_within_the_timeout_and_others_still_answer() -> None:
    release = threading.Event()

    async def probe() -> tuple[float, dict[str, str]]:
        started = time.perf_counter()
        probes = {"hung": lambda: release.wait(10), "fine": lambda: None}
        states = await readiness.probe_all(probes, 0.3)
        took = time.perf_counter() - started
        release.set()  # the hung thread itself lingers until its call returns
        return took, states

    took, states = asyncio.run(probe())
    assert took < 2
    assert states == {"hung": "no answer in 0.3 s", "fine": "ok"}


def test_redis_answers_and_a_closed_port_does_not() -> None:
    up = readiness.redis_server("redis://127.0.0.1:6379/0")
    down = readiness.redis_server(f"redis://127.0.0.1:{_closed_port()}/0", timeout_s=0.5)
    states = asyncio.run(readiness.probe_all({"up": up, "down": down}))
    assert states["up"] == "ok"
    assert states["down"].startswith("error: ConnectionError")


@pytest.mark.parametrize("broker_up", [True, False])
def test_the_job_broker_is_probed_where_jobs_are_sent(tmp_path: Path, broker_up: bool) -> None:
    url = "redis://127.0.0.1:6379/0" if broker_up else f"redis://127.0.0.1:{_closed_port()}/0"
    settings = Settings(data_dir=tmp_path, queue={"broker_url": url})
    celery = configure_celery(Celery("probe"), settings)
    states = asyncio.run(readiness.probe_all({"broker": readiness.broker(celery, 1.0)}, 5.0))
    assert (states["broker"] == "ok") is broker_up, states


def test_the_embedded_broker_folder_is_ready(tmp_path: Path) -> None:
    celery = configure_celery(Celery("probe"), Settings(data_dir=tmp_path))
    states = asyncio.run(readiness.probe_all({"broker": readiness.broker(celery)}))
    assert states["broker"] == "ok"
