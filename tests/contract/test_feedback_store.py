"""The feedback store contract, on SQLite and PostgreSQL: ratings and uncovered questions
per course, no identity unless given, and resolved questions leave the open list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.domain import Course
from byosc.errors import NotFound
from byosc.feedback.models import FeedbackCitation, FeedbackRequest
from byosc.feedback.store import SqlFeedbackStore, feedback, uncovered_questions


@pytest.fixture
def catalog(database_url: str) -> Iterator[SqlCatalog]:
    catalog = SqlCatalog(open_engine(database_url))
    for course_id in ("cs140", "ee101"):
        catalog.create_course(Course(id=course_id, name=course_id))
    yield catalog
    catalog.close()


@pytest.fixture
def store(catalog: SqlCatalog) -> SqlFeedbackStore:
    return SqlFeedbackStore(catalog.engine)


def _rating(rating: str = "down", **fields: object) -> FeedbackRequest:
    body = {"question": "What is a TLB?", "answer": "A cache [1].", "rating": rating}
    return FeedbackRequest.model_validate(body | fields)


def _rows(store: SqlFeedbackStore, table: sa.Table) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [row._asdict() for row in conn.execute(table.select())]


def test_feedback_is_stored_with_its_citations_and_without_an_identity_unless_given(
    store: SqlFeedbackStore,
) -> None:
    cited = [FeedbackCitation(document_id="mem", page=3), FeedbackCitation(document_id="rec")]
    anonymous = store.add("cs140", _rating("up", citations=cited))
    named = store.add("cs140", _rating(reason="too vague", user="student-7"))
    rows = {row["id"]: row for row in _rows(store, feedback)}
    assert rows[anonymous.id]["user"] is None and rows[named.id]["user"] == "student-7"
    assert rows[anonymous.id]["citations"] == [
        {"document_id": "mem", "page": 3, "start_s": None},
        {"document_id": "rec", "page": None, "start_s": None},
    ]
    assert rows[named.id]["reason"] == "too vague" and rows[named.id]["rating"] == "down"
    assert anonymous.course_id == "cs140" and anonymous.created_at.tzinfo is not None


def test_an_uncovered_question_is_stored_with_its_course_and_time_only(
    store: SqlFeedbackStore,
) -> None:
    store.record_uncovered("cs140", "How do I bake sourdough bread?")
    [row] = _rows(store, uncovered_questions)
    assert set(row) == {"id", "course_id", "question", "asked_at", "resolved_at"}
    assert (row["course_id"], row["question"]) == ("cs140", "How do I bake sourdough bread?")


def test_feedback_or_a_question_for_a_course_that_does_not_exist_is_refused(
    store: SqlFeedbackStore,
) -> None:
    with pytest.raises(NotFound, match="nope"):
        store.add("nope", _rating())
    with pytest.raises(NotFound, match="nope"):
        store.record_uncovered("nope", "Anything?")


def test_open_questions_are_uncovered_and_thumbs_down_ones_of_the_course_newest_first(
    store: SqlFeedbackStore,
) -> None:
    store.record_uncovered("cs140", "first")
    store.add("cs140", _rating(question="second", reason="wrong page"))
    store.add("cs140", _rating("up", question="liked"))
    store.record_uncovered("ee101", "another course")
    store.record_uncovered("cs140", "third")
    found = store.open_questions("cs140", limit=10)
    assert [(q.question, q.source, q.reason) for q in found] == [
        ("third", "uncovered", None),
        ("second", "thumbs_down", "wrong page"),
        ("first", "uncovered", None),
    ]
    assert [q.question for q in store.open_questions("cs140", limit=2)] == ["third", "second"]


def test_resolving_hides_only_the_named_questions_of_that_course(
    store: SqlFeedbackStore,
) -> None:
    gone = store.record_uncovered("cs140", "gone")
    rated = store.add("cs140", _rating(question="rated gone")).id
    kept = store.record_uncovered("cs140", "kept")
    elsewhere = store.record_uncovered("ee101", "elsewhere")
    assert store.resolve("cs140", [gone, rated, elsewhere, "unknown"]) == 2
    assert store.resolve("cs140", [gone]) == 0  # already resolved
    assert [q.id for q in store.open_questions("cs140", limit=10)] == [kept]
    assert [q.id for q in store.open_questions("ee101", limit=10)] == [elsewhere]
    assert len(_rows(store, feedback)) == 1  # resolved, not deleted


def test_deleting_a_course_deletes_its_feedback_and_questions(
    catalog: SqlCatalog, store: SqlFeedbackStore
) -> None:
    store.add("cs140", _rating())
    store.record_uncovered("cs140", "gone")
    kept = store.record_uncovered("ee101", "kept")
    catalog.delete_course("cs140")
    assert [row["id"] for row in _rows(store, uncovered_questions)] == [kept]
    assert _rows(store, feedback) == []
