"""`python -m tests.support.standin_stack DATA_DIR PORTS_JSON`: the stack's own `run` (signals,
start order, shutdown) over stand-in services that start in a blink, one port each (the
worker too, so one probe serves all)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from services.stack import Stack, run


class StandInStack(Stack):
    def command(self, service: str) -> list[str]:
        return [sys.executable, "-m", "tests.support.standin_service", str(self.ports[service])]

    def first_admin_key(self) -> None:
        return None

    def _healthy(self, service: str) -> bool:
        try:
            return httpx.get(f"{self.url(service)}/healthz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False


if __name__ == "__main__":
    run(StandInStack(data_dir=Path(sys.argv[1]), ports=json.loads(sys.argv[2])))
