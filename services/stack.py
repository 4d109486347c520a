"""`make up`: every service as its own process on loopback, in the embedded profile.

The inference service owns the embedded index, so the ingest service and the job worker
reach it over HTTP. The worker takes refresh jobs from the embedded filesystem broker in the
data directory. Ctrl-C stops them all. Tests use `Stack` to drive the same processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from byosc.auth.models import IssuedKey
from byosc.auth.store import SqlKeyStore, first_admin_key
from byosc.catalog.sql import open_engine
from byosc.running_stack import announced
from byosc.settings import Settings
from services.ingest.presence import worker_running

# Start order: each service's dependencies come up before it.
SERVICES = ["modelserver", "inference", "worker", "ingest", "trainer", "gateway"]
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
        return [sys.executable, "-m", f"services.{service}", "--port", str(self.ports[service])]

    def start(self, service: str, timeout_s: float = 120.0) -> None:
        log_dir = self.log_dir or self.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = (log_dir / f"{service}.log").open("ab")
        # Each service leads its own process group, so stopping it reaches its children
        # (a worker's pool) too.
        self.processes[service] = subprocess.Popen(
            self.command(service),
            env=self.env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_healthy(service, timeout_s)

    def start_all(self) -> None:
        for service in SERVICES:
            self.start(service)

    def stop(self, service: str) -> None:
        process = self.processes.pop(service, None)
        if process is None:
            return
        process.send_signal(signal.SIGINT)
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
        for service in reversed(list(self.processes)):
            self.stop(service)

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
                raise RuntimeError(f"{service} exited; see its log in {self.data_dir}/logs")
            if self._healthy(service):
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"{service} did not become healthy within {timeout_s:.0f}s; "
            f"see its log in {self.data_dir}/logs"
        )

    def _healthy(self, service: str) -> bool:
        if service == "worker":
            return worker_running(Settings(data_dir=self.data_dir))
        probe = "readyz" if service in WAIT_FOR_READY else "healthz"
        try:
            return httpx.get(f"{self.url(service)}/{probe}", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False


def main() -> None:
    stack = Stack(data_dir=Path(os.environ.get("BYOSC_DATA_DIR", "var/stack")).resolve())
    try:
        for service in SERVICES:
            where = stack.url(service) if service in stack.ports else "(job queue)"
            print(f"starting {service:<12} {where}", flush=True)
            stack.start(service)
        print(f"\nBYOSC is up: API {stack.url('gateway')}  docs {stack.url('gateway')}/docs")
        if (admin := stack.first_admin_key()) is not None:
            print(f"admin API key (shown once, keep it): {admin.token}")
            print(f"  export BYOSC_KEY={admin.token}")
        print(f"logs in {stack.data_dir / 'logs'}; Ctrl-C stops everything", flush=True)
        # `byosc keys` finds the data directory (and so the gateway's keys) through this.
        with announced(Settings().home, stack.data_dir):
            while all(p.poll() is None for p in stack.processes.values()):
                time.sleep(1)
        print("a service exited; stopping the others", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
