"""The retrieval harness on the sample course's evaluation set, through the real ingest
path, embedder and Edge index. Floors, not timings: speed is measured in bench/."""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.adapters import Adapters
from byosc.domain import Course
from byosc.eval.beir import load_beir
from byosc.eval.retrieval import RetrievalReport, Scratch, evaluate
from byosc.settings import Settings

pytestmark = pytest.mark.slow

COURSE_SET = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "eval" / "course"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> RetrievalReport:
    settings = Settings(home=byosc_home, data_dir=tmp_path_factory.mktemp("eval"))
    with Adapters(settings) as adapters:
        adapters.catalog.create_course(Course(id="eval", name="eval"))
        scratch = Scratch(adapters.pipeline, "eval")
        return evaluate(load_beir(COURSE_SET), scratch, settings.rag, ["dense", "hybrid"])


def test_every_passage_is_indexed_and_every_question_scored(report: RetrievalReport) -> None:
    assert report.passages == 34
    assert report.chunks >= report.passages
    assert report.answerable >= 40 and report.unanswerable >= 10
    assert set(report.relevance) == {f"q{n:02d}" for n in range(1, 82)}


def test_hybrid_retrieval_clears_its_floor_and_beats_dense(report: RetrievalReport) -> None:
    dense, hybrid = report.variants["dense"], report.variants["hybrid"]
    assert dense.ndcg_at_10 >= 0.8
    assert hybrid.ndcg_at_10 >= 0.88
    assert hybrid.ndcg_at_10 > dense.ndcg_at_10
    assert hybrid.recall_at_10 >= 0.95


def test_the_threshold_is_calibrated_to_keep_most_answerable_questions(
    report: RetrievalReport,
) -> None:
    threshold = report.threshold
    assert threshold is not None
    assert threshold.answerable_kept >= 0.95
    assert threshold.unanswerable_refused > 0
