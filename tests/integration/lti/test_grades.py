"""Grades into the LMS gradebook from a Moodle-shaped and a Canvas-shaped platform: a quiz
placed by deep linking, launched by a learner and graded, reaches the platform's score
endpoint through an access token got with the tool's signed assertion; failures are retried
with backoff and shown to the instructor."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from jwt.algorithms import RSAAlgorithm

from byosc.domain import Citation
from byosc.quiz.models import GradeResult, Quiz, QuizQuestion, new_quiz_id
from byosc.quiz.store import SqlQuizStore
from tests.integration.lti.conftest import CS140, Tool
from tests.integration.lti.test_deep_linking import QUIZ, deep_link_session
from tests.integration.lti.test_launch import bearer
from tests.support.lti_browser import launch
from tests.support.lti_platform import SimulatedPlatform

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def eventually(check: Callable[[], Any], timeout_s: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def place_quiz_and_launch_learner(
    tool: Tool, platform: SimulatedPlatform, course_id: str, sub: str
) -> str:
    token = deep_link_session(tool, platform, course_id)
    placed = tool.http.post("/lti/deep-link", json=QUIZ, headers=bearer(token)).json()
    platform.accept_deep_link(placed["jwt"])
    learner = launch(tool.http, platform, platform.user(sub, "Grace Hopper", "learner"), CS140)
    assert (learner.status, learner.landing) == (200, "#student"), learner.text
    assert learner.token
    return learner.token


def graded_quiz(tool: Tool, course_id: str, score: float, max_score: int) -> str:
    """A quiz as the inference service stores and grades it, in the shared metadata DB."""
    store = SqlQuizStore(tool.http.app.state.db)  # type: ignore[attr-defined]
    citation = Citation(n=1, document_id="d", title="Paging", filename="p.md", snippet="", score=1)
    question = QuizQuestion(
        id="q-1",
        kind="short_answer",
        question="What maps pages to frames?",
        answer="page table",
        explanation="A page table maps pages to frames.",
        citations=[citation],
    )
    quiz_id = new_quiz_id()
    store.add(Quiz(quiz_id=quiz_id, course_id=course_id, topic="paging", questions=[question]))
    store.record_grade(
        GradeResult(
            quiz_id=quiz_id, course_id=course_id, score=score, max_score=max_score, results=[]
        )
    )
    return quiz_id


def outbox(tool: Tool, course_id: str) -> dict[str, dict[str, Any]]:
    listed = tool.http.get(
        "/lti/scores", params={"course_id": course_id}, headers=tool.key("instructor", [course_id])
    )
    assert listed.status_code == 200, listed.text
    return {entry["quiz_id"]: entry for entry in listed.json()}


@pytest.mark.parametrize("product", ["moodle", "canvas"])
def test_a_learners_graded_quiz_reaches_the_platforms_gradebook(
    tool: Tool, moodle: SimulatedPlatform, canvas: SimulatedPlatform, product: str
) -> None:
    platform = {"moodle": moodle, "canvas": canvas}[product]
    course_id = f"grades-{product}"
    student = place_quiz_and_launch_learner(tool, platform, course_id, f"s-{product}")
    me = tool.http.get("/me", headers=bearer(student)).json()
    assert me["lti"]["custom"] == {"placement": "quiz", "topic": "paging", "n": "4"}
    quiz_id = graded_quiz(tool, course_id, 3.0, 4)

    sent = tool.http.post("/lti/scores", json={"quiz_id": quiz_id}, headers=bearer(student))
    assert sent.status_code == 202, sent.text
    assert sent.json()["state"] in ("pending", "sent")

    score = eventually(
        lambda: [s for s in platform.scores if s["body"]["userId"] == f"s-{product}"]
    )
    [posted] = score
    assert posted["body"]["scoreGiven"] == 3.0 and posted["body"]["scoreMaximum"] == 4
    assert posted["body"]["activityProgress"] == "Completed"
    assert posted["body"]["gradingProgress"] == "FullyGraded"
    assert posted["content_type"] == "application/vnd.ims.lis.v1.score+json"
    assert posted["authorization"] == f"Bearer {platform.access_tokens[-1]}"
    placed_item = platform.line_items[-1]
    assert posted["line_item"] == placed_item["id"].rsplit("/", 1)[1]
    assert placed_item["resourceLinkId"] == "link-2"

    request = platform.token_requests[-1]
    assert request["grant_type"] == "client_credentials" and SCORE_SCOPE in request["scope"]
    jwks = tool.http.get("/lti/jwks").json()
    header = jwt.get_unverified_header(request["client_assertion"])
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assertion = jwt.decode(
        request["client_assertion"],
        RSAAlgorithm.from_jwk(json.dumps(jwk)),  # type: ignore[arg-type]
        algorithms=["RS256"],
        audience=f"{platform.base_url}/token",
    )
    assert assertion["iss"] == assertion["sub"] == platform.client_id and assertion["jti"]

    entry = eventually(lambda: outbox(tool, course_id)[quiz_id]["state"] == "sent")
    assert entry
    assert outbox(tool, course_id)[quiz_id]["attempts"] == 1


def test_a_score_endpoint_failing_twice_is_retried_until_sent(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    student = place_quiz_and_launch_learner(tool, moodle, "grades-retry", "s-retry")
    moodle.score_failures = [503, 502]
    quiz_id = graded_quiz(tool, "grades-retry", 2.0, 4)
    before = moodle.score_attempts
    tool.http.post("/lti/scores", json={"quiz_id": quiz_id}, headers=bearer(student))
    eventually(lambda: outbox(tool, "grades-retry")[quiz_id]["state"] == "sent")
    assert outbox(tool, "grades-retry")[quiz_id]["attempts"] == 3
    assert moodle.score_attempts - before == 3
    assert [s["body"]["userId"] for s in moodle.scores].count("s-retry") == 1


def test_a_score_endpoint_that_keeps_failing_ends_failed_with_its_reason_for_the_instructor(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    student = place_quiz_and_launch_learner(tool, canvas, "grades-down", "s-down")
    canvas.score_fail_status = 503
    try:
        quiz_id = graded_quiz(tool, "grades-down", 1.0, 4)
        answer = tool.http.post("/lti/scores", json={"quiz_id": quiz_id}, headers=bearer(student))
        assert answer.status_code == 202
        eventually(lambda: outbox(tool, "grades-down")[quiz_id]["state"] == "failed")
    finally:
        canvas.score_fail_status = None
    entry = outbox(tool, "grades-down")[quiz_id]
    assert entry["attempts"] == 4 and "HTTP 503" in entry["last_error"]
    assert entry["user"] == "Grace Hopper"
    refused = tool.http.get(
        "/lti/scores", params={"course_id": "grades-down"}, headers=bearer(student)
    )
    assert refused.status_code == 403


def test_only_a_graded_quiz_of_the_sessions_own_course_is_sent(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    student = place_quiz_and_launch_learner(tool, moodle, "grades-own", "s-own")
    tool.course("elsewhere")
    foreign = graded_quiz(tool, "elsewhere", 4.0, 4)
    sent = tool.http.post("/lti/scores", json={"quiz_id": foreign}, headers=bearer(student))
    assert sent.status_code == 404
    assert (
        tool.http.post("/lti/scores", json={"quiz_id": foreign}, headers=tool.admin).status_code
        == 403
    )
    assert outbox(tool, "elsewhere") == {}


def test_a_refused_score_fails_at_once_with_the_platforms_reason(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    student = place_quiz_and_launch_learner(tool, moodle, "grades-refused", "s-refused")
    moodle.score_failures = [400]
    quiz_id = graded_quiz(tool, "grades-refused", 2.0, 4)
    tool.http.post("/lti/scores", json={"quiz_id": quiz_id}, headers=bearer(student))
    eventually(lambda: outbox(tool, "grades-refused")[quiz_id]["state"] == "failed")
    entry = outbox(tool, "grades-refused")[quiz_id]
    assert entry["attempts"] == 1 and "HTTP 400" in entry["last_error"]


def test_without_a_line_item_in_the_context_the_tool_makes_one_for_the_placement(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    student = place_quiz_and_launch_learner(tool, canvas, "grades-new-item", "s-new-item")
    canvas.line_items.clear()  # a platform that made no column from the deep link
    quiz_id = graded_quiz(tool, "grades-new-item", 4.0, 4)
    tool.http.post("/lti/scores", json={"quiz_id": quiz_id}, headers=bearer(student))
    eventually(lambda: outbox(tool, "grades-new-item")[quiz_id]["state"] == "sent")
    [made] = canvas.line_items
    assert (made["tag"], made["resourceLinkId"], made["scoreMaximum"]) == (
        "byosc-quiz",
        "link-2",
        4,
    )
    assert made["label"] == "Practice quiz: paging"
    assert outbox(tool, "grades-new-item")[quiz_id]["line_item_url"] == made["id"]


def test_a_quiz_not_graded_yet_is_not_sent(tool: Tool, moodle: SimulatedPlatform) -> None:
    student = place_quiz_and_launch_learner(tool, moodle, "grades-ungraded", "s-ungraded")
    quiz_id = graded_quiz(tool, "grades-ungraded", 1.0, 4)
    engine = tool.http.app.state.db  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE quizzes SET score = NULL, max_score = NULL"))
    answer = tool.http.post("/lti/scores", json={"quiz_id": quiz_id}, headers=bearer(student))
    assert answer.status_code == 409 and "not graded" in answer.text
