"""`make up`: every service as its own process on loopback, in the embedded profile.

The inference service owns the embedded index, so the ingest service and the job worker
reach it over HTTP. The worker takes refresh jobs from the embedded filesystem broker in the
data directory; the beat process sends it the scheduled refreshes' tick. Ctrl-C, SIGTERM
and SIGHUP stop them all; on Linux a child also stops when the stack process dies without a
word (SIGKILL). Tests use `Stack` to drive the same processes.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from byosc.auth.models import IssuedKey
from byosc.auth.store import SqlKeyStore, first_admin_key
from byosc.catalog.sql import open_engine
from byosc.running_stack import announced
from byosc.settings import Settings
from services.ingest.presence import worker_running

# Start order: each service's dependencies come up before it.
SERVICES = ["modelserver", "inference", "worker", "beat", "ingest", "trainer", "gateway"]
# Processes that reach the index the inference service owns.
INDEX_OVER_HTTP = {"ingest", "worker"}
# Started only once /readyz says so: the model server loads and warms up its model after
# it starts listening, and a chat sent before then would come back degraded.
WAIT_FOR_READY = {"modelserver"}
DEFAULT_PORTS = {
    "gateway": 8000,
    "ingest": 8001,
    "inference": 8002,
    "trainer": 8003,
    "modelserver": 8004,
}
# Signals that stop the stack as Ctrl-C does: a supervisor or CI timeout sends SIGTERM, a
# closed terminal SIGHUP.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_ROLE = {"worker": "job queue", "beat": "scheduled refreshes"}


def _dies_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that has the kernel send the child SIGTERM when its parent dies, however
    it dies: a SIGKILLed stack runs no cleanup, and its children would keep their ports.

    The kernel sends it when the thread that started the child ends, so children are started
    from the thread that lives as long as the stack (its main thread). Linux only; elsewhere
    the stack stops its children only when it is stopped by a signal it can catch.
    """
    if not sys.platform.startswith("linux"):
        return None
    # Looked up here, before fork: the child should run as little as it can before exec.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def set_parent_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        # The parent died between fork and prctl: the signal will never come.
        if os.getppid() != parent:
            os._exit(1)

    return set_parent_death_signal


@dataclass
class Stack:
    data_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    log_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports.get(service, 0)}"

    def env(self, service: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "BYOSC_PROFILE": "embedded",
                "BYOSC_DATA_DIR": str(self.data_dir),
                "BYOSC_LLM__BASE_URL": f"{self.url('modelserver')}/v1",
                "BYOSC_SERVICES__INGEST": self.url("ingest"),
                "BYOSC_SERVICES__INFERENCE": self.url("inference"),
                "BYOSC_SERVICES__TRAINER": self.url("trainer"),
                "BYOSC_INDEX__KIND": "http" if service in INDEX_OVER_HTTP else "edge",
                **self.extra_env,
            }
        )
        return env

    def command(self, service: str) -> list[str]:
        if service == "worker":
            return [sys.executable, "-m", "services.ingest.worker"]
        if service == "beat":
            return [sys.executable, "-m", "services.ingest.beat"]
        return [sys.executable, "-m", f"services.{service}", "--port", str(self.ports[service])]

    def log_path(self, service: str) -> Path:
        return (self.log_dir or self.data_dir / "logs") / f"{service}.log"

    def exited(self) -> dict[str, int]:
        """Services started and not stopped since that are no longer running, with their exit
        codes (a negative code is the signal that ended the process)."""
        return {name: code for name, p in self.processes.items() if (code := p.poll()) is not None}

    def start(self, service: str, timeout_s: float = 120.0) -> None:
        log_path = self.log_path(service)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
        # Each service leads its own process group, so stopping it reaches its children
        # (a worker's pool) too.
        self.processes[service] = subprocess.Popen(
            self.command(service),
            env=self.env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_dies_with_parent(),
        )
        self._wait_healthy(service, timeout_s)

    def start_all(self) -> None:
        for service in SERVICES:
            self.start(service)

    def stop(self, service: str) -> None:
        if service in self.processes:
            self.processes[service].send_signal(signal.SIGINT)
            self._reap(service)

    def _reap(self, service: str) -> None:
        """Waits for a service told to stop; one that takes too long is killed, with its
        children. (A second SIGINT would not do: Celery and uvicorn take it as "now".)"""
        process = self.processes.pop(service)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self, service: str) -> None:
        """SIGKILL to the service and all its processes: a crash, not a shutdown."""
        process = self.processes.pop(service, None)
        if process is not None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        # All are told first, then waited for: they shut down side by side, not in a row.
        services = list(reversed(self.processes))
        for service in services:
            self.processes[service].send_signal(signal.SIGINT)
        for service in services:
            self._reap(service)

    def first_admin_key(self) -> IssuedKey | None:
        """An admin key in the stack's metadata DB if it has no active one yet."""
        engine = open_engine(Settings(data_dir=self.data_dir).database_url)
        try:
            return first_admin_key(SqlKeyStore(engine))
        finally:
            engine.dispose()

    def _wait_healthy(self, service: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.processes[service].poll() is not None:
                raise RuntimeError(f"{service} exited; see its log in {self.log_path(service)}")
            if self._healthy(service):
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"{service} did not become healthy within {timeout_s:.0f}s; "
            f"see its log in {self.log_path(service)}"
        )

    def _healthy(self, service: str) -> bool:
        if service == "worker":
            return worker_running(Settings(data_dir=self.data_dir))
        if service == "beat":
            return True  # no port: running is all there is to see (an exit fails the wait)
        probe = "readyz" if service in WAIT_FOR_READY else "healthz"
        try:
            return httpx.get(f"{self.url(service)}/{probe}", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False


class _StopSignal(Exception):
    """SIGTERM or SIGHUP arrived: stop as on Ctrl-C."""


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    # Later signals must not cut the shutdown short and leave children behind: from here on
    # the stack ignores them (SIGKILL still ends it, and then the children end with it).
    for stop in STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise _StopSignal(signal.Signals(signum).name)


def _say(message: str, err: bool = False) -> None:
    """Prints, unless the terminal is gone (SIGHUP after it closed): stopping matters more."""
    with contextlib.suppress(OSError):
        print(message, file=sys.stderr if err else sys.stdout, flush=True)


def run(stack: Stack) -> None:
    """Starts every service, waits until one exits or a stop signal arrives, stops all."""
    for stop in STOP_SIGNALS:
        signal.signal(stop, _raise_stop)
    try:
        for service in SERVICES:
            where = stack.url(service) if service in stack.ports else f"({_ROLE[service]})"
            _say(f"starting {service:<12} {where}")
            stack.start(service)
        _say(f"\nBYOSC is up: API {stack.url('gateway')}  docs {stack.url('gateway')}/docs")
        if (admin := stack.first_admin_key()) is not None:
            _say(f"admin API key (shown once, keep it): {admin.token}")
            _say(f"  export BYOSC_KEY={admin.token}")
        _say(f"logs in {stack.data_dir / 'logs'}; Ctrl-C stops everything")
        # `byosc keys` finds the data directory (and so the gateway's keys) through this.
        with announced(Settings().home, stack.data_dir):
            while all(p.poll() is None for p in stack.processes.values()):
                time.sleep(1)
        _say("a service exited; stopping the others", err=True)
    except KeyboardInterrupt:
        _say("\nstopping")
    except _StopSignal as received:
        _say(f"{received}: stopping")
    finally:
        for stop in STOP_SIGNALS:
            signal.signal(stop, signal.SIG_IGN)
        stack.stop_all()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.stack")
    parser.add_argument(
        "--base-port",
        type=int,
        default=DEFAULT_PORTS["gateway"],
        help="the gateway's port; the other services take the next four",
    )
    args = parser.parse_args(argv)
    offset = args.base_port - DEFAULT_PORTS["gateway"]
    run(
        Stack(
            data_dir=Path(os.environ.get("BYOSC_DATA_DIR", "var/stack")).resolve(),
            ports={name: port + offset for name, port in DEFAULT_PORTS.items()},
        )
    )


if __name__ == "__main__":
    main()
