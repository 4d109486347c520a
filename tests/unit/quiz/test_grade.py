"""Grading: options by letter or text, short answers by coverage and meaning, with feedback."""

from __future__ import annotations

import pytest

from byosc.catalog.sql import SqlCatalog
from byosc.errors import NotFound
from byosc.ports import Embedder
from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import GradeRequest, Quiz, QuizQuestion, QuizRequest
from tests.unit.quiz.conftest import retrieve


@pytest.fixture
def maker(catalog: SqlCatalog, embedder: Embedder) -> QuizMaker:
    return QuizMaker(catalog, embedder, retrieve)


@pytest.fixture
def quiz(maker: QuizMaker) -> Quiz:
    return maker.make("os", QuizRequest(n=4))


def _of_kind(quiz: Quiz, kind: str) -> QuizQuestion:
    return next(q for q in quiz.questions if q.kind == kind)


def _grade(maker: QuizMaker, question: QuizQuestion, answer: str):
    result = maker.grade("os", GradeRequest(questions=[question], answers={question.id: answer}))
    return result.results[0]


def test_the_reference_answers_get_full_marks(maker: QuizMaker, quiz: Quiz) -> None:
    answers = {q.id: q.answer for q in quiz.questions}
    result = maker.grade("os", GradeRequest(questions=quiz.questions, answers=answers))
    assert result.score == result.max_score == 4
    assert all(r.verdict == "correct" and r.citations for r in result.results)


def test_a_choice_may_be_given_by_its_letter(maker: QuizMaker, quiz: Quiz) -> None:
    question = _of_kind(quiz, "multiple_choice")
    right = "ABCD"[question.options.index(question.answer)]
    wrong = next(letter for letter in "ABCD" if letter != right)
    assert _grade(maker, question, right.lower()).verdict == "correct"
    graded = _grade(maker, question, wrong)
    assert graded.verdict == "incorrect"
    assert question.answer in graded.feedback and "You chose" in graded.feedback


def test_a_paraphrase_is_correct_and_a_half_answer_is_partial(maker: QuizMaker) -> None:
    question = QuizQuestion(
        id="q1",
        kind="short_answer",
        question="What is thrashing?",
        answer="a state in which a system spends more time paging than executing",
        explanation='Memory: "Thrashing refers to a state in which a system spends more time '
        'paging than executing."',
        citations=[],
    )
    paraphrase = _grade(maker, question, "when the system spends more time paging than executing")
    assert paraphrase.verdict == "correct"
    half = _grade(maker, question, "the system is paging a lot")
    assert half.verdict == "partial"
    assert "Missing:" in half.feedback and "execut" in half.feedback


def test_an_unrelated_or_missing_answer_is_incorrect(maker: QuizMaker, quiz: Quiz) -> None:
    question = _of_kind(quiz, "short_answer")
    unrelated = _grade(maker, question, "a file system keeps inodes on disk")
    assert unrelated.verdict == "incorrect" and unrelated.score == 0
    assert question.answer in unrelated.feedback
    result = maker.grade("os", GradeRequest(questions=[question], answers={}))
    assert result.results[0].feedback.startswith("No answer given.")


def test_a_list_answer_names_the_items_it_misses(maker: QuizMaker) -> None:
    question = QuizQuestion(
        id="q2",
        kind="short_answer",
        question="What are the criteria used to compare scheduling algorithms?",
        answer="CPU utilization; Throughput; Turnaround time",
        explanation="CPU Scheduling: ...",
        citations=[],
    )
    graded = _grade(maker, question, "CPU utilization and throughput")
    assert graded.verdict != "correct"
    assert "Turnaround time" in graded.feedback and "Throughput." not in graded.feedback


def test_grading_for_an_unknown_course_is_not_found(maker: QuizMaker, quiz: Quiz) -> None:
    with pytest.raises(NotFound):
        maker.grade("nope", GradeRequest(questions=quiz.questions, answers={}))
