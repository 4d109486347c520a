"""Quizzes on the sample course's lectures and PDF handout: real extraction, embedder and index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from byosc.cli.runtime import Runtime
from byosc.domain import Chunk, Course
from byosc.errors import NotFound
from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import GradeRequest, QuizRequest
from byosc.settings import Settings
from byosc.text import plain
from services.inference.app import create_app

MATERIAL = Path(__file__).parents[2] / "examples" / "sample-course" / "material"
FILES = ["01-processes-and-threads.md", "02-cpu-scheduling.md", "03-memory-management.pdf"]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Iterator[Runtime]:
    settings = Settings(home=byosc_home, data_dir=tmp_path_factory.mktemp("quiz") / "data")
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="cs140", name="Operating Systems"))
        report = rt.ingestor.ingest("cs140", [(f, (MATERIAL / f).read_bytes()) for f in FILES])
        assert not report.errors
        yield rt


@pytest.fixture(scope="module")
def maker(runtime: Runtime) -> QuizMaker:
    return QuizMaker(runtime.catalog, runtime.embedder, runtime.chat.search)


def _chunks(runtime: Runtime) -> list[Chunk]:
    documents = runtime.catalog.list_documents("cs140")
    hits = [h for d in documents for h in runtime.chat.search("cs140", d.title, 100)]
    return [h.chunk for h in hits]


def test_a_course_quiz_has_distinct_cited_questions_of_both_kinds(
    runtime: Runtime, maker: QuizMaker
) -> None:
    quiz = maker.make("cs140", QuizRequest(n=5))
    assert len(quiz.questions) == 5 and quiz.note is None
    assert {q.kind for q in quiz.questions} == {"multiple_choice", "short_answer"}
    assert len({q.citations[0].snippet for q in quiz.questions}) == 5
    assert len({q.citations[0].document_id for q in quiz.questions}) == 3
    chunks = _chunks(runtime)
    for question in quiz.questions:
        [cited] = question.citations
        texts = [
            plain(c.text)
            for c in chunks
            if (c.document_id, c.page, c.heading) == (cited.document_id, cited.page, cited.heading)
        ]
        parts = question.answer.split("; ")
        assert any(all(plain(p) in text for p in parts) for text in texts), question


def test_a_topic_quiz_stays_on_the_topic(maker: QuizMaker) -> None:
    quiz = maker.make("cs140", QuizRequest(n=3, topic="scheduling"))
    assert len(quiz.questions) == 3
    assert {q.citations[0].filename for q in quiz.questions} == {"02-cpu-scheduling.md"}


def test_correct_answers_get_full_marks_and_wrong_ones_do_not(maker: QuizMaker) -> None:
    quiz = maker.make("cs140", QuizRequest(n=6))
    right = {q.id: q.answer for q in quiz.questions}
    graded = maker.grade("cs140", GradeRequest(questions=quiz.questions, answers=right))
    assert graded.score == graded.max_score == 6
    wrong = {
        q.id: next(o for o in q.options if o != q.answer) if q.options else "disk blocks and inodes"
        for q in quiz.questions
    }
    graded = maker.grade("cs140", GradeRequest(questions=quiz.questions, answers=wrong))
    assert graded.score == 0
    assert all(r.verdict == "incorrect" and r.citations for r in graded.results)


def test_an_unknown_course_is_not_found(maker: QuizMaker) -> None:
    with pytest.raises(NotFound):
        maker.make("nope", QuizRequest(n=3))


def test_the_quiz_routes_answer_over_http(runtime: Runtime) -> None:
    runtime.close()  # the app opens the same index directory: one process per Edge shard
    with TestClient(create_app(runtime.settings)) as client:
        response = client.post("/courses/cs140/quiz", json={"n": 2, "topic": "thrashing"})
        assert response.status_code == 200, response.text
        quiz = response.json()
        answers = {q["id"]: q["answer"] for q in quiz["questions"]}
        body = {"questions": quiz["questions"], "answers": answers}
        graded = client.post("/courses/cs140/quiz/grade", json=body).json()
        assert graded["score"] == graded["max_score"] == len(quiz["questions"])
        assert client.post("/courses/nope/quiz", json={"n": 2}).status_code == 404
        missing = client.post("/courses/cs140/quiz", json={"n": 2, "topic": "zebra"})
        assert missing.status_code == 422
        assert client.post("/courses/cs140/quiz", json={"n": 0}).status_code == 422
