"""The real multi-process stack (`make up`'s processes) on free loopback ports, shared by
the e2e modules: it is slow to start."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.stack import SERVICES, Stack
from tests.support.browser import chromium_path

# The stack also takes the per-student tokens an LMS would mint (HS256, shared secret).
JWT_SECRET = "e2e-lms-shared-secret-of-at-least-32-bytes"
JWT_ISSUER = "https://lms.example.edu"
JWT_ENV = {
    "BYOSC_AUTH__JWT__ENABLED": "true",
    "BYOSC_AUTH__JWT__SECRET": JWT_SECRET,
    "BYOSC_AUTH__JWT__ISSUER": JWT_ISSUER,
}
# Training through the web app evaluates on a few short answers: seconds, not minutes.
TRAINING_ENV = {
    "BYOSC_TRAINING__EVAL__MAX_PAIRS": "2",
    "BYOSC_TRAINING__EVAL__MAX_NEW_TOKENS": "8",
}
# How much of a service's log a failure shows: enough for the last task and its traceback.
LOG_TAIL_LINES = 40
# The shared stack once it runs, for the failure reports below.
_SHARED: list[Stack] = []


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
        extra_env=JWT_ENV | TRAINING_ENV,
    )
    try:
        running.start_all()
        _SHARED.append(running)
        yield running
    finally:
        _SHARED.clear()
        running.stop_all()


def log_tail(stack: Stack, service: str, lines: int = LOG_TAIL_LINES) -> str:
    path = stack.log_path(service)
    if not path.exists():
        return f"({path} is missing)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def died(stack: Stack) -> str:
    """What the shared stack's dead processes said last; empty while all of them run."""
    return "\n\n".join(
        f"{service} exited with {code}; the end of its log:\n{log_tail(stack, service)}"
        for service, code in stack.exited().items()
    )


@pytest.fixture(autouse=True)
def _shared_stack_whole(request: pytest.FixtureRequest) -> None:
    """A test on the shared stack starts only with all its processes running: one that died
    would fail every later test, each after waiting out its own timeout (half an hour in
    all), with no word of why; this fails them at once and says which one and why."""
    if "stack" in request.fixturenames and _SHARED and (dead := died(_SHARED[0])):
        pytest.fail(f"a process of the shared e2e stack has died:\n{dead}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test on the shared stack reports the end of the job worker's log: jobs that
    stay queued or fail show there why."""
    report = yield
    if report.failed and _SHARED and "stack" in getattr(item, "fixturenames", ()):
        report.sections.append(("shared stack: worker log (end)", log_tail(_SHARED[0], "worker")))
    return report


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


def courses_with_material(
    api: httpx.Client, taught: str, other: str, filename: str, notes: bytes
) -> tuple[str, str]:
    """Two courses made through the gateway: `taught` with one indexed document, `other`
    empty (the one a scoped caller must not see)."""
    for course_id in (taught, other):
        created = api.post("/courses", json={"id": course_id, "name": course_id.upper()})
        assert created.status_code == 201, created.text
    files = [("files", (filename, notes, "text/markdown"))]
    uploaded = api.post(f"/courses/{taught}/documents", files=files, params={"wait_s": 120})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["job"]["state"] == "succeeded"
    return taught, other


@pytest.fixture(scope="package")
def bearer_client(stack: Stack) -> Iterator[Callable[[str], httpx.Client]]:
    """Gateway clients that send the given bearer token (a key or a JWT), closed at the end."""
    clients: list[httpx.Client] = []

    def make(token: str) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"}
        client = httpx.Client(base_url=stack.url("gateway"), headers=headers, timeout=60.0)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, shared by the web app's walks."""
    chromium = chromium_path()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="BROWSER TESTS SKIPPED: Python package playwright missing"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
