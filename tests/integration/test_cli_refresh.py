"""`byosc refresh` in the embedded profile: Celery over the filesystem broker, results in
SQLite, on a worker the command starts for the job and stops after it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from byosc.bootstrap import open_catalog
from byosc.index.edge import EdgeIndex
from byosc.settings import Settings
from cli.main import app
from services.ingest.presence import worker_running
from tests.support.cli_course import BYOSC, cli_env, course_of
from tests.support.pdfs import make_pdf


@pytest.fixture
def env(tmp_path: Path, byosc_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return cli_env(tmp_path, byosc_home, monkeypatch)


def test_refresh_runs_on_a_worker_it_starts_and_exits_2_when_a_file_fails(
    tmp_path: Path, env: dict[str, str]
) -> None:
    course_of(
        tmp_path,
        {
            "notes.md": b"# Paging\n\nA page is a fixed-size block.\n",
            "slides.pdf": make_pdf(["The TLB caches translations."]),
            "fake.pdf": b"plain text pretending",
        },
    )

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


def test_refresh_into_a_log_prints_plain_progress_lines(
    tmp_path: Path, env: dict[str, str]
) -> None:
    course_of(
        tmp_path,
        {
            "paging.md": b"# Paging\n\nA page is a fixed-size block of memory.\n",
            "tlb.md": b"# TLB\n\nThe TLB is a cache of page translations.\n",
        },
    )

    run = subprocess.run(
        [BYOSC, "refresh", "--course", "os"], env=env, capture_output=True, timeout=300, check=False
    )

    log = run.stderr.decode()  # a pipe, not a terminal: no bar, no control codes
    assert run.returncode == 0, log
    assert "\x1b" not in log and "\r" not in log and "0/?" not in log
    lines = log.splitlines()
    assert all(re.match(r"\[\d+:\d\d\] ", line) for line in lines), log
    # The watcher samples the job, so a fast dataset job may show no stage between queued and
    # succeeded (tests/unit/cli/test_progress.py pins the stage lines); any it shows count
    # the five dataset stages: two documents read, generate, check, write.
    stages = [line for line in lines if re.search(r"\(\d+/\d+\)$", line) and "pairs" in line]
    assert all(line.endswith("/5)") for line in stages), log
    assert re.search(r"\] succeeded: dataset version 1: \d+ pairs", log), log
