"""`byosc eval answers` on the sample course's set in the extractive mode (no model): the
chat's answer path over a scratch index, scored against the reference answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

pytestmark = pytest.mark.slow

COURSE_SET = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "eval" / "course"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> dict[str, object]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BYOSC_HOME", str(byosc_home))
        env.setenv("BYOSC_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        args = ["eval", "answers", str(COURSE_SET), "--mode", "extractive", "--json"]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert len(reports) == 1
    return reports[0]


def test_every_answerable_question_with_a_reference_is_answered_and_scored(
    report: dict,
) -> None:
    scores = report["scores"]
    assert report["mode"] == "extractive"
    assert scores["answered"] == 65 and scores["unanswerable"] == 16
    judged = [q for q in report["questions"] if q["rouge_l"] is not None]
    assert len(judged) >= 60  # the relevance gate may refuse a few
    assert all(q["model"] == "extractive" for q in judged)


def test_extractive_answers_are_never_degenerate_and_hold_the_reference(report: dict) -> None:
    scores = report["scores"]
    assert scores["degenerate_rate"] == 0
    assert scores["support"] >= 0.95  # they are the passages' own sentences
    assert scores["citation_precision"] >= 0.7
    assert scores["rouge_l"] >= 0.3 and scores["cosine"] >= 0.6


def test_an_extractive_answer_cites_only_the_passages_it_marks(report: dict) -> None:
    for question in report["questions"]:
        if question["covered"] and question["rouge_l"] is not None:
            assert 1 <= len(question["cited"]) <= 2, question
