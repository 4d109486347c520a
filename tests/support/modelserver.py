"""The model server as its own process on a free loopback port, as `make up` runs it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from services.stack import DEFAULT_PORTS, Stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_modelserver(data_dir: Path) -> Iterator[str]:
    """Yields the server's OpenAI base URL (ending in /v1); its log is in data_dir/logs."""
    stack = Stack(data_dir=data_dir, ports={**DEFAULT_PORTS, "modelserver": free_port()})
    try:
        stack.start("modelserver")
        yield f"{stack.url('modelserver')}/v1"
    finally:
        stack.stop_all()


def engine_metrics(server_url: str) -> dict[str, float]:
    """The model server's engine figures from its /metrics, by sample name."""
    text = httpx.get(f"{server_url}/metrics", timeout=10).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        if family.name.startswith("modelserver_")
        for sample in family.samples
    }


def wait_until_idle(server_url: str, timeout_s: float) -> dict[str, float]:
    """The engine figures once no generation runs; fails after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while (figures := engine_metrics(server_url))["modelserver_requests_running"] > 0:
        assert time.monotonic() < deadline, f"still generating after {timeout_s:g} s: {figures}"
        time.sleep(0.2)
    return figures
