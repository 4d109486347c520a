"""Readiness of each dependency a service needs (database, broker, index, model server,
other services), for /readyz. Every probe runs at once, each under its own timeout, so
one hung dependency is reported as such instead of hanging the probe."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from byosc.disk_room import ensure_room

# A blocking probe: returns when the dependency answered, raises when it did not.
Probe = Callable[[], Any]

PROBE_TIMEOUT_S = 3.0
# A course ID no course can have (IDs are lower case): counting its chunks is the cheapest
# question an index answers.
NO_COURSE = "READYZ"


async def probe_all(probes: dict[str, Probe], timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, str]:
    """Dependency name -> "ok" or why it is not."""

    async def one(probe: Probe) -> str:
        try:
            await asyncio.wait_for(asyncio.to_thread(probe), timeout_s)
            return "ok"
        except TimeoutError:
            return f"no answer in {timeout_s:g} s"
        except Exception as exc:  # readiness reports the failure instead of raising it
            return f"error: {type(exc).__name__}: {exc}"[:300]

    states = await asyncio.gather(*(one(p) for p in probes.values()))
    return dict(zip(probes, states, strict=True))


def database(engine: Engine) -> Probe:
    def probe() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return probe


def broker(celery_app: Any, timeout_s: float = PROBE_TIMEOUT_S) -> Probe:
    """The Celery broker the service sends jobs to (Redis, or the embedded folder)."""

    def probe() -> None:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout_s)

    return probe


def redis_server(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> Probe:
    def probe() -> None:
        import redis

        client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        try:
            client.ping()
        finally:
            client.close()

    return probe


def free_space(path: Path) -> Probe:
    """The file system holding the data directory (uploads, originals, an Edge shard): the
    same room uploads and index writes need (byosc.disk_room)."""
    return lambda: ensure_room(path)


class DependencyNotReady(Exception):
    """Another service reports checks that failed (it may still answer, degraded)."""


def http_ready(url: str, timeout_s: float = PROBE_TIMEOUT_S + 1) -> Probe:
    """Another service's /readyz, failing with the checks it reports failed: a caller of the
    inference service must see its model server down though the service still answers.
    A second longer than the service's own probes, which it waits for."""

    def probe() -> None:
        response = httpx.get(f"{url.rstrip('/')}/readyz", timeout=timeout_s)
        checks = response.json().get("checks", {})
        failed = [f"{name}: {state}" for name, state in checks.items() if state != "ok"]
        if failed or response.status_code != 200:
            raise DependencyNotReady("; ".join(failed) or f"HTTP {response.status_code}")

    return probe
