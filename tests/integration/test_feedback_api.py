"""Feedback and gaps over HTTP on the real inference app: the sample course answers a few
questions its material does not cover, students rate answers down, and the instructor sees
them grouped by topic and resolves one group. Real extraction, embedder, index and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from byosc.domain import Course
from byosc.feedback.store import feedback
from byosc.ingest import read_paths
from byosc.settings import Settings
from cli.runtime import Runtime
from services.inference.app import create_app

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
SOURDOUGH = [
    "How do I bake sourdough bread?",
    "What is a good recipe for sourdough?",
    "How long should sourdough dough rise before baking?",
]
EXAM = [
    "Will the final exam be open book?",
    "Can we bring notes to the final exam?",
    "Are notes allowed in the final exam?",
]
ONE_OFF = "What is the capital of France?"
# Covered by the material's relevance gate, but answered badly in the students' eyes.
RAID = [
    ("How does RAID 5 protect data?", "it talks about file allocation, not RAID"),
    ("What does RAID level 5 do when a disk fails?", "nothing about disk failures"),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Iterator[TestClient]:
    settings = Settings(home=byosc_home, data_dir=tmp_path_factory.mktemp("feedback"))
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="cs140", name="Operating Systems"))
        report = rt.ingestor.ingest("cs140", read_paths(sorted(MATERIAL.iterdir())))
        assert not report.errors
        rt.catalog.create_course(Course(id="ee101", name="Circuits"))
    with TestClient(create_app(settings)) as client:
        yield client


def _rating(**fields: Any) -> dict[str, Any]:
    return {"question": "What is a TLB?", "answer": "A cache [1].", "rating": "down"} | fields


def _ask(client: TestClient, question: str) -> dict[str, Any]:
    body = {"course_id": "cs140", "messages": [{"role": "user", "content": question}]}
    answer = client.post("/chat", json=body)
    assert answer.status_code == 200
    return answer.json()


def test_feedback_is_created_with_201_and_stored_without_an_identity(client: TestClient) -> None:
    answer = client.post("/courses/ee101/feedback", json=_rating(rating="up", reason="clear"))
    assert answer.status_code == 201
    created = answer.json()
    assert created["course_id"] == "ee101" and len(created["id"]) == 32
    named = client.post("/courses/ee101/feedback", json=_rating(user="student-7")).json()
    engine = client.app.state.feedback.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        users = dict(conn.execute(sa.select(feedback.c.id, feedback.c.user)).all())
    assert users == {created["id"]: None, named["id"]: "student-7"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rating": "meh"}, "rating"),
        ({"question": "q" * 2001}, "question"),
        ({"question": "   "}, "question"),
        ({"answer": "a" * 20001}, "answer"),
        ({"reason": "r" * 1001}, "reason"),
        ({"user": "u" * 201}, "user"),
        ({"citations": [{"page": 3}]}, "citations"),
    ],
)
def test_bad_feedback_is_refused_with_422_naming_the_field(
    client: TestClient, fields: dict[str, Any], field: str
) -> None:
    answer = client.post("/courses/ee101/feedback", json=_rating(**fields))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][:2] == ["body", field]


def test_feedback_and_gaps_of_a_course_that_does_not_exist_are_404(client: TestClient) -> None:
    assert client.post("/courses/nope/feedback", json=_rating()).status_code == 404
    assert client.get("/courses/nope/gaps").status_code == 404
    resolve = client.post("/courses/nope/gaps/resolve", json={"question_ids": ["x"]})
    assert resolve.status_code == 404


def test_the_sample_courses_uncovered_and_rated_down_questions_are_grouped_by_topic(
    client: TestClient,
) -> None:
    for question in [*SOURDOUGH, ONE_OFF, *EXAM]:
        assert _ask(client, question)["covered"] is False, question
    for question, reason in RAID:
        answered = _ask(client, question)
        assert answered["covered"] is True
        # The answer's own citations, sent back as they came.
        rating = {"question": question, "answer": answered["answer"], "rating": "down"}
        rating |= {"reason": reason, "citations": answered["citations"]}
        assert client.post("/courses/cs140/feedback", json=rating).status_code == 201
    liked = _rating(question="What is the convoy effect?", rating="up")
    client.post("/courses/cs140/feedback", json=liked)
    assert client.app.state.uncovered.flush()  # type: ignore[attr-defined]

    gaps = client.get("/courses/cs140/gaps").json()
    assert gaps["questions"] == 9
    groups = {frozenset(g["examples"]): g for g in gaps["groups"]}
    assert set(groups) == {
        frozenset(SOURDOUGH),
        frozenset(EXAM),
        frozenset(q for q, _ in RAID),
        frozenset([ONE_OFF]),
    }
    # Largest first; of two groups of three the one asked last.
    assert [g["count"] for g in gaps["groups"]] == [3, 3, 2, 1]
    assert set(gaps["groups"][0]["examples"]) == set(EXAM)
    raid = groups[frozenset(q for q, _ in RAID)]
    assert raid["sources"] == {"thumbs_down": 2}
    assert sorted(raid["reasons"]) == sorted(r for _, r in RAID)
    assert groups[frozenset(EXAM)]["sources"] == {"uncovered": 3}
    assert groups[frozenset(EXAM)]["representative"] in EXAM

    sourdough = groups[frozenset(SOURDOUGH)]["question_ids"]
    # Another course's resolve leaves them open; this course's hides them.
    other = client.post("/courses/ee101/gaps/resolve", json={"question_ids": sourdough})
    assert other.json() == {"resolved": 0}
    resolved = client.post("/courses/cs140/gaps/resolve", json={"question_ids": sourdough})
    assert resolved.status_code == 200 and resolved.json() == {"resolved": 3}
    after = client.get("/courses/cs140/gaps").json()
    assert [g["count"] for g in after["groups"]] == [3, 2, 1]
    assert not any(set(g["examples"]) & set(SOURDOUGH) for g in after["groups"])
