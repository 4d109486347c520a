"""QuizMaker over hand-built chunks: coverage, distinct facts, determinism, too little material."""

from __future__ import annotations

import pytest

from byosc.errors import NotFound
from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import NotEnoughMaterial, QuizRequest
from byosc.quiz.store import SqlQuizStore
from tests.unit.quiz.conftest import CHUNKS


def test_a_course_quiz_takes_questions_from_every_document_in_turn(maker: QuizMaker) -> None:
    quiz = maker.make("os", QuizRequest(n=4))
    documents = [q.citations[0].document_id for q in quiz.questions]
    assert set(documents[:2]) == {"sched", "mem"} and documents[2:] == documents[:2]
    assert quiz.note is None


def test_questions_alternate_kinds_and_multiple_choice_has_four_options(maker: QuizMaker) -> None:
    quiz = maker.make("os", QuizRequest(n=4))
    assert [q.kind for q in quiz.questions] == ["multiple_choice", "short_answer"] * 2
    for question in quiz.questions:
        if question.kind == "multiple_choice":
            assert len(set(question.options)) == 4 and question.answer in question.options
        else:
            assert question.options == []


def test_every_answer_is_quoted_from_the_cited_chunk(maker: QuizMaker) -> None:
    texts = {c.document_id: [] for c in CHUNKS}
    for chunk in CHUNKS:
        texts[chunk.document_id].append(chunk.text.replace("**", ""))
    for question in maker.make("os", QuizRequest(n=8)).questions:
        cited = question.citations[0]
        assert any(question.answer in text for text in texts[cited.document_id])
        assert cited.snippet in question.explanation


def test_no_two_questions_ask_about_the_same_fact(maker: QuizMaker) -> None:
    quiz = maker.make("os", QuizRequest(n=20))
    snippets = [q.citations[0].snippet for q in quiz.questions]
    assert len(snippets) == len(set(snippets))
    assert len({q.id for q in quiz.questions}) == len(quiz.questions)


def test_too_little_material_returns_what_there_is_with_a_note(maker: QuizMaker) -> None:
    quiz = maker.make("os", QuizRequest(n=20))
    assert 8 <= len(quiz.questions) < 20
    assert quiz.note and "not 20" in quiz.note


def test_the_same_request_gives_the_same_questions_under_a_new_quiz_id(maker: QuizMaker) -> None:
    first = maker.make("os", QuizRequest(n=5, topic="scheduling"))
    again = maker.make("os", QuizRequest(n=5, topic="scheduling"))
    assert first.questions == again.questions
    assert first.quiz_id != again.quiz_id


def test_every_quiz_made_is_stored_with_its_answers(
    maker: QuizMaker, quizzes: SqlQuizStore
) -> None:
    quiz = maker.make("os", QuizRequest(n=4))
    stored = quizzes.get("os", quiz.quiz_id)
    assert stored.questions == quiz.questions and stored.topic is None


def test_a_topic_quiz_asks_only_about_chunks_naming_the_topic(maker: QuizMaker) -> None:
    quiz = maker.make("os", QuizRequest(n=3, topic="paging"))
    assert {q.citations[0].document_id for q in quiz.questions} == {"mem"}


def test_a_topic_the_material_never_states_is_refused(maker: QuizMaker) -> None:
    with pytest.raises(NotEnoughMaterial):
        maker.make("os", QuizRequest(n=3, topic="zebra"))


def test_an_unknown_course_is_not_found(maker: QuizMaker) -> None:
    with pytest.raises(NotFound):
        maker.make("nope", QuizRequest(n=3))
    with pytest.raises(NotFound):
        maker.make("nope", QuizRequest(n=3, topic="scheduling"))
