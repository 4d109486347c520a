"""`byosc refresh` in the embedded profile: Celery over the filesystem broker, results in
SQLite, on a worker the command starts for the job and stops after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from byosc.bootstrap import open_catalog
from byosc.cli.main import app
from byosc.index.edge import EdgeIndex
from byosc.settings import Settings
from services.ingest.presence import worker_running
from tests.support.pdfs import make_pdf

BYOSC = str(Path(sys.executable).parent / "byosc")


@pytest.fixture
def env(tmp_path: Path, byosc_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "BYOSC_HOME": str(byosc_home),
        "BYOSC_DATA_DIR": str(tmp_path / "data"),
        "BYOSC_SOURCES__ALLOWED_ROOTS": json.dumps([str(tmp_path / "sources")]),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **values}


def test_refresh_runs_on_a_worker_it_starts_and_exits_2_when_a_file_fails(
    tmp_path: Path, env: dict[str, str]
) -> None:
    material = tmp_path / "sources" / "material"
    material.mkdir(parents=True)
    (material / "notes.md").write_bytes(b"# Paging\n\nA page is a fixed-size block.\n")
    (material / "slides.pdf").write_bytes(make_pdf(["The TLB caches translations."]))
    (material / "fake.pdf").write_bytes(b"plain text pretending")
    created = CliRunner().invoke(app, ["courses", "create", "os", "--source-path", str(material)])
    assert created.exit_code == 0, created.output

    run = subprocess.run(
        [BYOSC, "refresh", "--course", "os", "--json"],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 2, run.stderr.decode()
    job = json.loads(run.stdout)
    assert job["state"] == "partial"
    assert [e["filename"] for e in job["errors"]] == ["fake.pdf"]
    settings = Settings()
    assert not worker_running(settings)
    catalog = open_catalog(settings)
    chunks = sum(d.chunks for d in catalog.list_documents("os"))
    catalog.close()
    # The worker owned the shard and has let it go; the command never opened it.
    index = EdgeIndex(settings.index_path, 384)
    try:
        assert index.count("os") == chunks > 0
    finally:
        index.close()


def test_a_source_folder_outside_the_allowed_roots_is_refused(
    tmp_path: Path, env: dict[str, str]
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = CliRunner().invoke(app, ["courses", "create", "os", "--source-path", str(outside)])
    assert result.exit_code == 1
    assert "not under an allowed root" in result.output
