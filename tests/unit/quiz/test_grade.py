"""Grading: options by letter or text, short answers by coverage and meaning, with feedback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from byosc.errors import NotFound
from byosc.ports import Embedder
from byosc.quiz.generate import QuizMaker
from byosc.quiz.grade import grade_answers
from byosc.quiz.models import (
    GradeRequest,
    NotInQuiz,
    QuestionGrade,
    Quiz,
    QuizQuestion,
    QuizRequest,
)
from byosc.quiz.store import SqlQuizStore


@pytest.fixture
def quiz(maker: QuizMaker) -> Quiz:
    return maker.make("os", QuizRequest(n=4))


def _of_kind(quiz: Quiz, kind: str) -> QuizQuestion:
    return next(q for q in quiz.questions if q.kind == kind)


def _grade(maker: QuizMaker, quiz: Quiz, question: QuizQuestion, answer: str) -> QuestionGrade:
    result = maker.grade("os", GradeRequest(quiz_id=quiz.quiz_id, answers={question.id: answer}))
    return next(r for r in result.results if r.question_id == question.id)


def _grade_alone(embedder: Embedder, question: QuizQuestion, answer: str) -> QuestionGrade:
    quiz = Quiz(quiz_id="by-hand", course_id="os", questions=[question])
    return grade_answers(embedder, quiz, {question.id: answer}).results[0]


def test_the_reference_answers_get_full_marks(maker: QuizMaker, quiz: Quiz) -> None:
    answers = {q.id: q.answer for q in quiz.questions}
    result = maker.grade("os", GradeRequest(quiz_id=quiz.quiz_id, answers=answers))
    assert result.score == result.max_score == 4 and result.quiz_id == quiz.quiz_id
    assert all(r.verdict == "correct" and r.citations for r in result.results)


def test_a_choice_may_be_given_by_its_letter(maker: QuizMaker, quiz: Quiz) -> None:
    question = _of_kind(quiz, "multiple_choice")
    right = "ABCD"[question.options.index(question.answer)]
    wrong = next(letter for letter in "ABCD" if letter != right)
    assert _grade(maker, quiz, question, right.lower()).verdict == "correct"
    graded = _grade(maker, quiz, question, wrong)
    assert graded.verdict == "incorrect"
    assert question.answer in graded.feedback and "You chose" in graded.feedback


def test_a_paraphrase_is_correct_and_a_half_answer_is_partial(embedder: Embedder) -> None:
    question = QuizQuestion(
        id="q1",
        kind="short_answer",
        question="What is thrashing?",
        answer="a state in which a system spends more time paging than executing",
        explanation='Memory: "Thrashing refers to a state in which a system spends more time '
        'paging than executing."',
        citations=[],
    )
    paraphrase = _grade_alone(
        embedder, question, "when the system spends more time paging than executing"
    )
    assert paraphrase.verdict == "correct"
    half = _grade_alone(embedder, question, "the system is paging a lot")
    assert half.verdict == "partial"
    assert "Missing:" in half.feedback and "execut" in half.feedback


def test_an_unrelated_or_missing_answer_is_incorrect(maker: QuizMaker, quiz: Quiz) -> None:
    question = _of_kind(quiz, "short_answer")
    unrelated = _grade(maker, quiz, question, "a file system keeps inodes on disk")
    assert unrelated.verdict == "incorrect" and unrelated.score == 0
    assert question.answer in unrelated.feedback
    result = maker.grade("os", GradeRequest(quiz_id=quiz.quiz_id, answers={}))
    assert all(r.feedback.startswith("No answer given.") for r in result.results)


def test_a_list_answer_names_the_items_it_misses(embedder: Embedder) -> None:
    question = QuizQuestion(
        id="q2",
        kind="short_answer",
        question="What are the criteria used to compare scheduling algorithms?",
        answer="CPU utilization; Throughput; Turnaround time",
        explanation="CPU Scheduling: ...",
        citations=[],
    )
    graded = _grade_alone(embedder, question, "CPU utilization and throughput")
    assert graded.verdict != "correct"
    assert "Turnaround time" in graded.feedback and "Throughput." not in graded.feedback


def test_grading_for_an_unknown_course_is_not_found(maker: QuizMaker, quiz: Quiz) -> None:
    with pytest.raises(NotFound):
        maker.grade("nope", GradeRequest(quiz_id=quiz.quiz_id, answers={}))


def test_questions_sent_back_instead_of_a_quiz_id_are_refused(quiz: Quiz) -> None:
    forged = [q.model_copy(update={"answer": "banana"}).model_dump() for q in quiz.questions]
    body = {"questions": forged, "answers": {q.id: "banana" for q in quiz.questions}}
    with pytest.raises(ValidationError, match="send the quiz_id"):
        GradeRequest.model_validate(body)
    with pytest.raises(ValidationError, match="send the quiz_id"):
        GradeRequest.model_validate({**body, "quiz_id": quiz.quiz_id})


def test_grading_goes_by_the_stored_answers_whatever_the_client_says(
    maker: QuizMaker, quiz: Quiz
) -> None:
    banana = {q.id: "banana" for q in quiz.questions}
    result = maker.grade("os", GradeRequest(quiz_id=quiz.quiz_id, answers=banana))
    assert result.score == 0 and {r.expected for r in result.results} == {
        q.answer for q in quiz.questions
    }


def test_an_unknown_quiz_or_one_of_another_course_is_not_found(
    maker: QuizMaker, catalog: SqlCatalog, quiz: Quiz
) -> None:
    catalog.create_course(Course(id="other", name="Other course"))
    answers = {q.id: q.answer for q in quiz.questions}
    with pytest.raises(NotFound, match=f"course other has no quiz {quiz.quiz_id}"):
        maker.grade("other", GradeRequest(quiz_id=quiz.quiz_id, answers=answers))
    with pytest.raises(NotFound, match="has no quiz"):
        maker.grade("os", GradeRequest(quiz_id="0" * 32, answers=answers))


def test_an_answer_to_a_question_the_quiz_lacks_is_refused(maker: QuizMaker, quiz: Quiz) -> None:
    answers = {quiz.questions[0].id: "A", "q-forged": "banana"}
    with pytest.raises(NotInQuiz, match="has no question q-forged"):
        maker.grade("os", GradeRequest(quiz_id=quiz.quiz_id, answers=answers))


def test_the_latest_grade_is_kept_with_the_quiz(
    maker: QuizMaker, quizzes: SqlQuizStore, quiz: Quiz
) -> None:
    right = {q.id: q.answer for q in quiz.questions[:3]}
    maker.grade("os", GradeRequest(quiz_id=quiz.quiz_id, answers=right))
    stored = quizzes.get("os", quiz.quiz_id)
    assert (stored.score, stored.max_score) == (3, 4) and stored.graded_at is not None
