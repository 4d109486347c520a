"""The model server as its own process on a free loopback port, as `make up` runs it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
