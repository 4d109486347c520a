"""`byosc quiz`: a quiz is stored under the ID it prints, and `--grade` grades answers to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

LECTURE = Path(__file__).parents[2] / "examples/sample-course/material/02-cpu-scheduling.md"


@pytest.fixture
def runner(tmp_path: Path, byosc_home: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("BYOSC_HOME", str(byosc_home))
    monkeypatch.setenv("BYOSC_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert runner.invoke(app, ["courses", "create", "cs140"]).exit_code == 0
    ingested = runner.invoke(app, ["ingest", "--course", "cs140", str(LECTURE)])
    assert ingested.exit_code == 0, ingested.output
    return runner


def _grade(runner: CliRunner, quiz_id: str, answers: dict[str, str], *extra: str):
    flags = [part for qid, answer in answers.items() for part in ("--answer", f"{qid}={answer}")]
    return runner.invoke(app, ["quiz", "-c", "cs140", "--grade", quiz_id, *flags, *extra])


def test_a_quiz_made_on_the_command_line_is_graded_by_its_id(runner: CliRunner) -> None:
    made = runner.invoke(app, ["quiz", "--course", "cs140", "--n", "3", "--json"])
    assert made.exit_code == 0, made.output
    quiz = json.loads(made.stdout)
    right = {q["id"]: q["answer"] for q in quiz["questions"]}
    graded = _grade(runner, quiz["quiz_id"], right, "--json")
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.stdout)["score"] == len(right) == 3
    banana = _grade(runner, quiz["quiz_id"], {qid: "banana" for qid in right})
    assert "Score: 0 of 3" in banana.stdout and banana.stdout.count("incorrect:") == 3

    shown = runner.invoke(app, ["quiz", "--course", "cs140", "--n", "1"])
    assert shown.stdout.startswith("Quiz ") and "Question ID: q-" in shown.stdout


def test_an_unknown_quiz_or_a_malformed_answer_is_refused(runner: CliRunner) -> None:
    unknown = _grade(runner, "0" * 32, {"q-1": "B"})
    assert unknown.exit_code == 1 and f"course cs140 has no quiz {'0' * 32}" in unknown.output
    malformed = runner.invoke(app, ["quiz", "-c", "cs140", "--grade", "0" * 32, "--answer", "B"])
    assert malformed.exit_code == 2 and "QUESTION_ID=ANSWER" in malformed.output
