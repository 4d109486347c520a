"""The quiz store contract, on SQLite and PostgreSQL: quizzes as generated, per course."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.domain import Citation, Course
from byosc.errors import NotFound
from byosc.quiz.models import GradeResult, Quiz, QuizQuestion, new_quiz_id
from byosc.quiz.store import SqlQuizStore


@pytest.fixture
def catalog(database_url: str) -> Iterator[SqlCatalog]:
    catalog = SqlCatalog(open_engine(database_url))
    for course_id in ("cs140", "ee101"):
        catalog.create_course(Course(id=course_id, name=course_id))
    yield catalog
    catalog.close()


@pytest.fixture
def store(catalog: SqlCatalog) -> SqlQuizStore:
    return SqlQuizStore(catalog.engine)


def _quiz(course_id: str, answer: str = "page table") -> Quiz:
    citation = Citation(
        n=1, document_id="mem", title="Memory", filename="m.md", snippet="", score=1
    )
    question = QuizQuestion(
        id="q-1",
        kind="short_answer",
        question="What maps each page number to a frame number?",
        answer=answer,
        explanation='Memory: "A page table maps each page number to a frame number."',
        citations=[citation],
    )
    return Quiz(quiz_id=new_quiz_id(), course_id=course_id, topic="paging", questions=[question])


def test_a_saved_quiz_comes_back_with_its_answers_under_its_own_course(
    store: SqlQuizStore,
) -> None:
    quiz, other = _quiz("cs140"), _quiz("cs140")
    store.add(quiz)
    store.add(other)
    assert len({quiz.quiz_id, other.quiz_id}) == 2
    record = store.get("cs140", quiz.quiz_id)
    assert Quiz.model_validate(record.model_dump(include=set(Quiz.model_fields))) == quiz
    assert record.questions[0].answer == "page table"
    assert record.created_at is not None and record.graded_at is None
    with pytest.raises(NotFound, match="no quiz"):
        store.get("ee101", quiz.quiz_id)
    with pytest.raises(NotFound, match="no quiz"):
        store.get("cs140", "0" * 32)


def test_a_quiz_for_a_course_that_does_not_exist_is_refused(store: SqlQuizStore) -> None:
    with pytest.raises(NotFound, match="nope"):
        store.add(_quiz("nope"))


def test_the_latest_grade_of_a_quiz_is_kept(store: SqlQuizStore) -> None:
    quiz = _quiz("cs140")
    store.add(quiz)
    for score in (0.5, 1.0):
        result = GradeResult(
            quiz_id=quiz.quiz_id, course_id="cs140", score=score, max_score=1, results=[]
        )
        store.record_grade(result)
    record = store.get("cs140", quiz.quiz_id)
    assert (record.score, record.max_score) == (1.0, 1) and record.graded_at is not None


def test_deleting_a_course_deletes_its_quizzes(catalog: SqlCatalog, store: SqlQuizStore) -> None:
    gone, kept = _quiz("cs140"), _quiz("ee101")
    store.add(gone)
    store.add(kept)
    catalog.delete_course("cs140")
    catalog.create_course(Course(id="cs140", name="again"))
    with pytest.raises(NotFound):
        store.get("cs140", gone.quiz_id)
    assert store.get("ee101", kept.quiz_id).quiz_id == kept.quiz_id
