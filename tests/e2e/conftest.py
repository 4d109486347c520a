"""The real multi-process stack (`make up`'s processes) on free loopback ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.stack import SERVICES, Stack


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("stack")
    running = Stack(data_dir=data_dir, ports={name: _free_port() for name in SERVICES})
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=120.0) as client:
        yield client
