"""Quizzes on the sample course's lectures and PDF handout: real extraction, embedder and index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from byosc.domain import Chunk, Course
from byosc.errors import NotFound
from byosc.quiz.distractors import is_generic
from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import GradeRequest, QuizRequest
from byosc.quiz.questions import place
from byosc.quiz.store import SqlQuizStore
from byosc.settings import Settings
from byosc.text import plain
from cli.runtime import Runtime
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
        rt.catalog.create_course(Course(id="cs162", name="Operating Systems, part two"))
        report = rt.ingestor.ingest("cs162", [(FILES[1], (MATERIAL / FILES[1]).read_bytes())])
        assert not report.errors
        yield rt


@pytest.fixture(scope="module")
def maker(runtime: Runtime) -> QuizMaker:
    quizzes = SqlQuizStore(runtime.catalog.engine)
    return QuizMaker(runtime.catalog, runtime.embedder, runtime.chat.search, quizzes)


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


def test_every_option_is_a_specific_phrase_of_the_material(
    runtime: Runtime, maker: QuizMaker
) -> None:
    material = " ".join(plain(c.text).lower() for c in _chunks(runtime))
    quiz = maker.make("cs140", QuizRequest(n=20))
    options = [o for q in quiz.questions for o in q.options]
    assert len(options) >= 20
    assert all(plain(o).lower() in material for o in options), options
    # A vague word ("Text", "New") is a wrong option only among its own list's terms. The
    # answer is the term the material defines, whatever its words ("page table").
    for question in quiz.questions:
        generic = [o for o in question.options if o != question.answer and is_generic(o)]
        assert not generic or '(from "' in question.question, question
    for question in quiz.questions:
        assert place(question.citations).count(question.citations[0].title) == 1


def test_a_topic_quiz_stays_on_the_topic(maker: QuizMaker) -> None:
    quiz = maker.make("cs140", QuizRequest(n=3, topic="scheduling"))
    assert len(quiz.questions) == 3
    assert {q.citations[0].filename for q in quiz.questions} == {"02-cpu-scheduling.md"}


def test_correct_answers_get_full_marks_and_wrong_ones_do_not(maker: QuizMaker) -> None:
    quiz = maker.make("cs140", QuizRequest(n=6))
    right = {q.id: q.answer for q in quiz.questions}
    graded = maker.grade("cs140", GradeRequest(quiz_id=quiz.quiz_id, answers=right))
    assert graded.score == graded.max_score == 6
    wrong = {
        q.id: next(o for o in q.options if o != q.answer) if q.options else "disk blocks and inodes"
        for q in quiz.questions
    }
    graded = maker.grade("cs140", GradeRequest(quiz_id=quiz.quiz_id, answers=wrong))
    assert graded.score == 0
    assert all(r.verdict == "incorrect" and r.citations for r in graded.results)


def test_an_unknown_course_is_not_found(maker: QuizMaker) -> None:
    with pytest.raises(NotFound):
        maker.make("nope", QuizRequest(n=3))


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> Iterator[TestClient]:
    """The inference app, once the tests above are done with the runtime: it opens the same
    index directory, and an Edge shard has one process."""
    runtime.close()
    with TestClient(create_app(runtime.settings)) as client:
        yield client


def test_the_quiz_routes_answer_over_http(client: TestClient) -> None:
    response = client.post("/courses/cs140/quiz", json={"n": 2, "topic": "thrashing"})
    assert response.status_code == 200, response.text
    quiz = response.json()
    answers = {q["id"]: q["answer"] for q in quiz["questions"]}
    body = {"quiz_id": quiz["quiz_id"], "answers": answers}
    graded = client.post("/courses/cs140/quiz/grade", json=body).json()
    assert graded["score"] == graded["max_score"] == len(quiz["questions"])
    assert client.post("/courses/nope/quiz", json={"n": 2}).status_code == 404
    missing = client.post("/courses/cs140/quiz", json={"n": 2, "topic": "zebra"})
    assert missing.status_code == 422
    assert client.post("/courses/cs140/quiz", json={"n": 0}).status_code == 422


def test_over_http_a_forged_quiz_is_refused_and_the_real_one_graded(client: TestClient) -> None:
    quiz = client.post("/courses/cs140/quiz", json={"n": 5}).json()
    other = client.post("/courses/cs162/quiz", json={"n": 2}).json()
    banana = {q["id"]: "banana" for q in quiz["questions"]}
    forged = [{**q, "answer": "banana", "options": ["banana"]} for q in quiz["questions"]]

    def grade(course_id: str, body: dict[str, object]) -> httpx.Response:
        return client.post(f"/courses/{course_id}/quiz/grade", json=body)

    sent_back = grade("cs140", {"questions": forged, "answers": banana})
    assert sent_back.status_code == 422 and "send the quiz_id" in sent_back.text
    with_id = grade("cs140", {"quiz_id": quiz["quiz_id"], "questions": forged, "answers": banana})
    assert with_id.status_code == 422
    assert grade("cs140", {"quiz_id": quiz["quiz_id"], "answers": banana}).json()["score"] == 0
    unknown = grade("cs140", {"quiz_id": "0" * 32, "answers": banana})
    assert unknown.status_code == 404 and "has no quiz" in unknown.json()["detail"]
    elsewhere = grade("cs140", {"quiz_id": other["quiz_id"], "answers": {}})
    assert elsewhere.status_code == 404 and "has no quiz" in elsewhere.json()["detail"]
    extra = grade("cs140", {"quiz_id": quiz["quiz_id"], "answers": {"q-forged": "banana"}})
    assert extra.status_code == 400 and "q-forged" in extra.json()["detail"]
    right = {q["id"]: q["answer"] for q in quiz["questions"]}
    graded = grade("cs140", {"quiz_id": quiz["quiz_id"], "answers": right})
    assert graded.status_code == 200, graded.text
    assert graded.json()["score"] == graded.json()["max_score"] == len(quiz["questions"]) == 5
    assert grade("cs162", {"quiz_id": other["quiz_id"], "answers": {}}).status_code == 200
