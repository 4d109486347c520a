"""Process trees and ports as Linux shows them in /proc: what a stopped stack leaves behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended while we looked
        # The command name (field 2) may hold spaces and parentheses: split after its end.
        fields = text[text.rindex(")") + 2 :].split()
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> set[int]:
    """Every process below pid: its children, theirs, and so on."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent that may never reap it."""
    try:
        text = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"


def wait_gone(pids: set[int], timeout_s: float) -> set[int]:
    """The pids still alive after timeout_s (empty as soon as all are gone)."""
    deadline = time.monotonic() + timeout_s
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def port_free(port: int) -> bool:
    """Whether a server could listen on the port now. SO_REUSEADDR, as uvicorn sets it: the
    connections a stopped server closed linger in TIME_WAIT and keep no server out."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(n: int) -> list[int]:
    """n distinct free ports: all are held at once while they are picked."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


@contextmanager
def stack_process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """A stack process, once it printed that every service is up (its last start-up line).
    Whatever of its tree still runs at the end is killed: a failed test leaves nothing."""
    stack = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    tree: set[int] = set()
    try:
        assert stack.stdout is not None
        printed = []
        for line in stack.stdout:
            printed.append(line)
            if line.startswith("logs in"):
                break
        else:  # it exited before it was up
            raise AssertionError(f"the stack did not come up: {stack.wait()}\n{''.join(printed)}")
        tree = descendants(stack.pid)
        yield stack
    finally:
        stack.kill()
        stack.communicate()
        for pid in tree:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
