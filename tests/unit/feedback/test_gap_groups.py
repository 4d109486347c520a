"""Grouping open questions into gaps with real MiniLM embeddings: paraphrases of one missing
topic together, another topic apart, and what each group reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from byosc.feedback.gaps import group_questions
from byosc.feedback.models import GapSource, OpenQuestion
from byosc.ports import Embedder

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _asked(
    minute: int, question: str, source: GapSource = "uncovered", reason: str | None = None
) -> OpenQuestion:
    at = START + timedelta(minutes=minute)
    return OpenQuestion(
        id=f"q{minute}", question=question, source=source, asked_at=at, reason=reason
    )


SOURDOUGH = [
    _asked(0, "How do I bake sourdough bread?"),
    _asked(5, "What is a good recipe for sourdough?"),
    _asked(9, "How long should sourdough dough rise before baking?"),
    _asked(12, "how do I bake sourdough bread?"),
]
EXAM = [
    _asked(3, "Will the final exam be open book?"),
    _asked(20, "Can we bring notes to the final exam?", "thumbs_down", "says nothing of the exam"),
]


def test_paraphrases_of_one_missing_topic_share_a_group_and_another_topic_is_apart(
    embedder: Embedder,
) -> None:
    groups = group_questions([*SOURDOUGH, *EXAM], embedder)
    assert [sorted(g.question_ids) for g in groups] == [
        sorted(q.id for q in SOURDOUGH),
        sorted(q.id for q in EXAM),
    ]


def test_a_group_reports_its_representative_examples_reasons_sources_and_last_question(
    embedder: Embedder,
) -> None:
    sourdough, exam = group_questions([*SOURDOUGH, *EXAM], embedder)
    assert sourdough.count == 4 and sourdough.sources == {"uncovered": 4}
    assert sourdough.representative in {q.question for q in SOURDOUGH}
    # Newest first, the same question asked twice shown once.
    assert sourdough.examples == [
        "how do I bake sourdough bread?",
        "How long should sourdough dough rise before baking?",
        "What is a good recipe for sourdough?",
    ]
    assert sourdough.last_asked == SOURDOUGH[-1].asked_at and sourdough.reasons == []
    assert exam.sources == {"uncovered": 1, "thumbs_down": 1}
    assert exam.reasons == ["says nothing of the exam"]
    assert exam.last_asked == EXAM[-1].asked_at


def test_groups_of_equal_size_come_most_recent_first(embedder: Embedder) -> None:
    older, newer = _asked(1, "What is a good recipe for sourdough?"), _asked(2, "When is the exam?")
    groups = group_questions([older, newer], embedder)
    assert [g.question_ids for g in groups] == [[newer.id], [older.id]]


def test_a_group_shows_at_most_five_examples_but_counts_and_lists_every_question(
    embedder: Embedder,
) -> None:
    asked = [_asked(m, f"How do I bake sourdough bread, attempt {m}?") for m in range(8)]
    [group] = group_questions(asked, embedder)
    assert group.count == 8 and len(group.question_ids) == 8 and len(group.examples) == 5


def test_no_open_questions_make_no_groups(embedder: Embedder) -> None:
    assert group_questions([], embedder) == []
