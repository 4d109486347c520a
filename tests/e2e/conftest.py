"""The real multi-process stack (`make up`'s processes) on free loopback ports, shared by
the e2e modules: it is slow to start."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.stack import SERVICES, Stack

# The stack also takes the per-student tokens an LMS would mint (HS256, shared secret).
JWT_SECRET = "e2e-lms-shared-secret-of-at-least-32-bytes"
JWT_ISSUER = "https://lms.example.edu"
JWT_ENV = {
    "BYOSC_AUTH__JWT__ENABLED": "true",
    "BYOSC_AUTH__JWT__SECRET": JWT_SECRET,
    "BYOSC_AUTH__JWT__ISSUER": JWT_ISSUER,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("stack")
    running = Stack(
        data_dir=data_dir,
        ports={name: free_port() for name in SERVICES},
        extra_env=JWT_ENV,
    )
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="package")
def admin_token(stack: Stack) -> str:
    """The admin key `make up` prints on a stack's first start."""
    issued = stack.first_admin_key()
    assert issued is not None and issued.key.role == "admin"
    assert stack.first_admin_key() is None  # one admin key is enough: no second one
    return issued.token


@pytest.fixture(scope="package")
def api(stack: Stack, admin_token: str) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=stack.url("gateway"), headers=headers, timeout=120.0) as client:
        yield client
