"""`byosc courses schedule set|show|clear` in the embedded profile, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app


@pytest.fixture(autouse=True)
def env(tmp_path: Path, byosc_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOSC_HOME", str(byosc_home))
    monkeypatch.setenv("BYOSC_DATA_DIR", str(tmp_path / "data"))


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_schedule_is_set_shown_and_cleared_and_a_bad_one_is_refused_with_the_reason() -> None:
    assert _run("courses", "create", "cs140", "--name", "OS")[0] == 0
    code, _, err = _run("courses", "schedule", "set", "cs140", "every 2 weeks")
    assert code == 1 and "unknown unit 'weeks'" in err
    code, _, err = _run("courses", "schedule", "set", "cs999", "every 6h")
    assert code == 1 and "course cs999 does not exist" in err

    code, out, _ = _run(
        "courses", "schedule", "set", "cs140", "every 6h", "--train-min-pairs", "25"
    )
    assert code == 0
    assert out.splitlines()[0] == "cs140: every 6h"
    assert "trains after a refresh that adds at least 25 pairs" in out
    code, out, _ = _run("courses", "schedule", "show", "cs140", "--json")
    shown = json.loads(out)
    assert (shown["kind"], shown["expression"], shown["train_min_pairs"]) == (
        "interval",
        "every 6h",
        25,
    )

    assert _run("courses", "schedule", "clear", "cs140")[1] == "cleared the schedule of cs140\n"
    code, _, err = _run("courses", "schedule", "show", "cs140")
    assert code == 1 and "course cs140 has no refresh schedule" in err
