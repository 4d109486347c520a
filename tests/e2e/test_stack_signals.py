"""`make up`'s own process tree (five services, the worker, the beat and the worker's pool) is
gone, ports and all, after SIGKILL of the stack, which the stack never sees: the kernel
tells each service.
A stop signal the stack sees takes the same path as the stop the e2e stack fixture makes
at the end (SIGINT to every service); tests/integration/test_stack_signals.py sends each
stop signal to the stack over stand-in services, which start in a blink where this stack
takes a minute or more on a busy machine."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest

from services.stack import DEFAULT_PORTS
from tests.support.processes import descendants, port_free, stack_process, wait_gone

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _free_port_run(n: int) -> int:
    """The first of n consecutive free ports: the stack takes the gateway's and the next."""
    for base in range(23000 + os.getpid() % 1000 * 20, 60000, 20):
        if all(port_free(base + i) for i in range(n)):
            return base
    raise AssertionError("no free run of ports")


@pytest.fixture
def make_up(tmp_path: Path, byosc_home: Path) -> Iterator[tuple[Popen[str], list[int]]]:
    """`python -m services.stack` (what `make up` runs), up and serving."""
    base = _free_port_run(len(DEFAULT_PORTS))
    # A home of its own, so its announcement does not stand for a `make up` of this machine;
    # the prepared models are the real ones.
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(byosc_home / "models")
    env = {**os.environ, "BYOSC_HOME": str(home), "BYOSC_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "services.stack", "--base-port", str(base)]
    with stack_process(command, env) as stack:
        yield stack, [base + i for i in range(len(DEFAULT_PORTS))]


def test_after_sigkill_of_the_stack_its_children_end_within_seconds(
    make_up: tuple[Popen[str], list[int]],
) -> None:
    stack, ports = make_up
    tree = descendants(stack.pid)
    # The five services, the worker and the beat, and below the worker its pool.
    assert len(tree) >= len(DEFAULT_PORTS) + 2
    assert not any(port_free(port) for port in ports)

    stack.kill()
    stack.wait()

    assert wait_gone(tree, timeout_s=15) == set()
    assert [port for port in ports if not port_free(port)] == []
