"""The gateway image installs only the `gateway` extra: no numpy, torch, transformers,
sentence-transformers or Celery. These tests import the gateway (and the command line the
image also runs) in a fresh interpreter that refuses those packages, so an import that
reaches for one fails here before the image crashes at start."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = (
    "numpy",
    "torch",
    "transformers",
    "sentence_transformers",
    "celery",
    "qdrant_client",
    "qdrant_edge",
)

# Runs in the child. The finder sits first on sys.meta_path, records every attempt to
# import a heavy package (a guarded `try: import numpy` counts too: it means the code
# would use it where it is installed) and refuses it as if it were not installed.
PRELUDE = """
import importlib.abc, json, os, sys

HEAVY = set(json.loads(os.environ["HEAVY"]))
attempts = []

class RefuseHeavy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HEAVY:
            attempts.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, RefuseHeavy())

def report(**fields):
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    print(json.dumps({"attempts": attempts, "loaded": loaded, **fields}))
"""

APP_FACTORY = """
from fastapi.testclient import TestClient
from byosc.settings import Settings
from services.gateway.app import create_app

app = create_app(Settings())
with TestClient(app) as client:  # runs the lifespan: the key database opens
    health = client.get("/healthz").status_code
    unauthorised = client.get("/courses").status_code
report(health=health, unauthorised=unauthorised)
"""

# `python -m services.gateway` as the image runs it, with uvicorn's server swapped for a
# recorder: everything the entry point imports and builds, without listening on a port.
ENTRY_POINT = """
import runpy
import uvicorn

served = {}
uvicorn.run = lambda app, **options: served.update(app=type(app).__name__, **options)
sys.argv = ["services.gateway", "--host", "127.0.0.1", "--port", "8123"]
runpy.run_module("services.gateway", run_name="__main__", alter_sys=True)
report(app=served["app"], port=served["port"])
"""

# The gateway image also runs the command line: the migration job (`byosc db upgrade`) and
# key administration. Every command must at least load there.
COMMAND_LINE = """
from typer.testing import CliRunner
from cli.main import app

runner = CliRunner()
codes = {" ".join(a): runner.invoke(app, a).exit_code for a in (["--help"], ["keys", "--help"])}
report(codes=codes)
"""


def _run_without_heavy_packages(code: str, tmp_path: Path) -> dict[str, object]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HEAVY": json.dumps(HEAVY),
        "BYOSC_PROFILE": "embedded",
        "BYOSC_HOME": str(tmp_path / "home"),
        "BYOSC_DATA_DIR": str(tmp_path / "data"),
    }
    script = textwrap.dedent(PRELUDE) + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_gateway_app_builds_and_serves_without_any_heavy_package(tmp_path: Path) -> None:
    result = _run_without_heavy_packages(APP_FACTORY, tmp_path)
    assert result["health"] == 200
    assert result["unauthorised"] == 401  # the guard works: no key, no courses
    assert result["attempts"] == []
    assert result["loaded"] == []


def test_the_gateway_entry_point_builds_its_app_without_any_heavy_package(
    tmp_path: Path,
) -> None:
    result = _run_without_heavy_packages(ENTRY_POINT, tmp_path)
    assert result["app"] == "FastAPI"
    assert result["port"] == 8123
    assert result["attempts"] == []
    assert result["loaded"] == []


def test_the_command_line_loads_in_the_gateway_image_without_any_heavy_package(
    tmp_path: Path,
) -> None:
    result = _run_without_heavy_packages(COMMAND_LINE, tmp_path)
    assert result["codes"] == {"--help": 0, "keys --help": 0}
    assert result["attempts"] == []
    assert result["loaded"] == []
