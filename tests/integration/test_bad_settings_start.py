"""A service, the worker and the CLI started with refused settings stop at once, saying on
stderr which variables to fix, one line each: no traceback, and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_WITHOUT_DATABASE = {"BYOSC_PROFILE": "compose", "BYOSC_INDEX__KIND": "qdrant"}
MISSING_DATABASE = "BYOSC_DATABASE__URL is required in profile compose (PostgreSQL"


@pytest.mark.parametrize(
    ("module", "name"), [("services.gateway", "gateway"), ("services.ingest.worker", "worker")]
)
def test_a_service_with_refused_settings_stops_naming_the_variable(
    module: str, name: str, tmp_path: Path
) -> None:
    env = {**os.environ, **COMPOSE_WITHOUT_DATABASE, "BYOSC_DATA_DIR": str(tmp_path)}
    started = subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2
    assert started.stderr.splitlines()[0].startswith(f"{name}: {MISSING_DATABASE}")
    assert "Traceback" not in started.stderr
    assert not (tmp_path / "queue").exists()  # it stopped before touching anything


def test_the_cli_with_refused_settings_says_which_variables_to_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {**COMPOSE_WITHOUT_DATABASE, "BYOSC_RAG__TOP_K": "0"}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["courses", "list"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.splitlines() == [
        "error: BYOSC_RAG__TOP_K: Input should be greater than or equal to 1 (it is '0')"
    ]
