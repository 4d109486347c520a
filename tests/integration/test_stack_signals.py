"""The stack stops every child however it is stopped: Ctrl-C, SIGTERM (a supervisor, a CI
timeout), SIGHUP (a closed terminal), or SIGKILL, after which it can do nothing itself.

The stack here is `services.stack.run` over stand-in services (tests.support.standin_stack)
that start in a blink; tests/e2e/test_stack_signals.py kills the real one."""

from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

import pytest

from services.stack import SERVICES
from tests.support.processes import descendants, free_ports, port_free, stack_process, wait_gone

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _standin_stack(tmp_path: Path) -> tuple[AbstractContextManager[Popen[str]], dict[str, int]]:
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    command = [sys.executable, "-m", "tests.support.standin_stack", str(tmp_path)]
    env = {**os.environ, "BYOSC_HOME": str(tmp_path / "home")}
    return stack_process([*command, json.dumps(ports)], env), ports


def _held(ports: dict[str, int]) -> list[str]:
    return [name for name, port in ports.items() if not port_free(port)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_stops_every_child_and_frees_their_ports(
    tmp_path: Path, signum: signal.Signals
) -> None:
    started, ports = _standin_stack(tmp_path)
    with started as stack:
        children = descendants(stack.pid)
        assert len(children) == len(SERVICES)
        assert _held(ports) == list(SERVICES)

        stack.send_signal(signum)
        output, _ = stack.communicate(timeout=30)

        assert stack.returncode == 0, output
        assert "stopping" in output
        assert wait_gone(children, timeout_s=1) == set()
        assert _held(ports) == []


def test_children_end_with_a_stack_that_was_killed(tmp_path: Path) -> None:
    started, ports = _standin_stack(tmp_path)
    with started as stack:
        children = descendants(stack.pid)
        assert len(children) == len(SERVICES)

        stack.kill()  # SIGKILL: the stack runs no code of its own after this
        stack.wait()

        assert wait_gone(children, timeout_s=5) == set()
        assert _held(ports) == []


def test_a_second_signal_does_not_cut_the_shutdown_short(tmp_path: Path) -> None:
    started, ports = _standin_stack(tmp_path)
    with started as stack:
        children = descendants(stack.pid)

        stack.send_signal(signal.SIGTERM)
        stack.send_signal(signal.SIGHUP)
        output, _ = stack.communicate(timeout=30)

        assert stack.returncode == 0, output
        assert wait_gone(children, timeout_s=1) == set()
        assert _held(ports) == []
