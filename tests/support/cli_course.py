"""A course for `byosc` commands run in a test: the embedded profile in the test's folder,
and a course synced from a local folder of material."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

BYOSC = str(Path(sys.executable).parent / "byosc")


def cli_env(tmp_path: Path, byosc_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Set in this process (for CliRunner) and returned whole (for a `byosc` subprocess):
    data in tmp_path/data, sources allowed under tmp_path/sources."""
    values = {
        "BYOSC_HOME": str(byosc_home),
        "BYOSC_DATA_DIR": str(tmp_path / "data"),
        "BYOSC_SOURCES__ALLOWED_ROOTS": json.dumps([str(tmp_path / "sources")]),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **values}


def course_of(tmp_path: Path, files: dict[str, bytes], course_id: str = "os") -> None:
    """The course, synced from a folder under tmp_path/sources holding `files`."""
    material = tmp_path / "sources" / "material"
    material.mkdir(parents=True)
    for name, data in files.items():
        (material / name).write_bytes(data)
    command = ["courses", "create", course_id, "--source-path", str(material)]
    created = CliRunner().invoke(app, command)
    assert created.exit_code == 0, created.output
