"""Deep linking and grades on the real stack, from a Moodle-shaped and a Canvas-shaped
platform: the instructor places a practice quiz (the platform verifies the signed response
against the tool's JWKS and makes its gradebook column), a learner launches it, takes the
quiz the inference service makes and grades, and the score arrives at the platform's grade
endpoint with the learner's LMS ID and the access token the platform issued. In Chromium,
the deep-linking view inside the LMS frame hands the response to the platform."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from services.stack import Stack
from tests.e2e.test_lti import bearer
from tests.e2e.test_web_lti import open_in_lms
from tests.support.lti_browser import launch
from tests.support.lti_platform import SimulatedPlatform
from tests.support.lti_shapes import CanvasShape, LmsCourse, MoodleShape

pytestmark = pytest.mark.slow

NOTES = b"""# Paging

A page table is a structure that maps each virtual page number to a physical frame number.
The translation lookaside buffer is a cache of recent page table entries in the processor.
A page fault is an exception raised when a process touches a page that is not in memory.
"""
DEEP_LINK = "LtiDeepLinkingRequest"
CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def eventually(check: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return found


@pytest.fixture(scope="module")
def platforms(stack: Stack, api: httpx.Client) -> Iterator[dict[str, SimulatedPlatform]]:
    made = {
        "moodle": SimulatedPlatform(MoodleShape(), "", "grades-moodle-client", "3"),
        "canvas": SimulatedPlatform(
            CanvasShape(), "https://canvas.instructure.com", "10000000000093", "5:grades"
        ),
    }
    for name, platform in made.items():
        platform.tool_launch_url = f"{stack.url('gateway')}/lti/launch"
        platform.start()
        registered = api.post("/lti/platforms", json=platform.registration(f"{name} grades"))
        assert registered.status_code == 201, registered.text
    yield made
    for platform in made.values():
        platform.stop()


@pytest.fixture(scope="module")
def lms_browser(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=180.0) as client:
        yield client


def set_up_course(client: httpx.Client, platform: SimulatedPlatform, course: LmsCourse) -> str:
    teacher = platform.user("t-grades", "Ada Lovelace", "instructor")
    first = launch(client, platform, teacher, course)
    course_id = client.get("/lti/contexts", headers=bearer(first.token)).json()
    course_id = course_id["suggested_course_id"]
    create = {"action": "create", "course_id": course_id}
    made = client.post("/lti/contexts", json=create, headers=bearer(first.token))
    assert made.status_code == 201, made.text
    files = [("files", ("paging.md", NOTES, "text/markdown"))]
    uploaded = client.post(
        f"/courses/{course_id}/documents",
        files=files,
        params={"wait_s": 170},
        headers=bearer(made.json()["token"]),
    )
    assert uploaded.status_code == 200 and uploaded.json()["job"]["state"] == "succeeded"
    return course_id


@pytest.mark.parametrize(
    ("product", "course"),
    [
        ("moodle", LmsCourse("52", "GR-M 1", "Paging (Moodle)")),
        ("canvas", LmsCourse("b7e1", "GR-C 1", "Paging (Canvas)")),
    ],
)
def test_a_deep_linked_quiz_taken_by_a_learner_lands_in_the_lms_gradebook(
    product: str,
    course: LmsCourse,
    platforms: dict[str, SimulatedPlatform],
    lms_browser: httpx.Client,
    api: httpx.Client,
) -> None:
    platform = platforms[product]
    course_id = set_up_course(lms_browser, platform, course)
    teacher = platform.user("t-grades", "Ada Lovelace", "instructor")
    picking = launch(lms_browser, platform, teacher, course, DEEP_LINK)
    assert picking.landing == "#lti-deep-link", picking.text
    choice = {"placement": "quiz", "topic": "page table", "n": 2}
    placed = lms_browser.post("/lti/deep-link", json=choice, headers=bearer(picking.token))
    assert placed.status_code == 200, placed.text
    platform.accept_deep_link(placed.json()["jwt"])  # verified with the tool's JWKS

    learner = platform.user(f"s-{product}-7", "Grace Hopper", "learner")
    student = bearer(launch(lms_browser, platform, learner, course).token)
    custom = lms_browser.get("/me", headers=student).json()["lti"]["custom"]
    assert custom == {"placement": "quiz", "topic": "page table", "n": "2"}
    quiz = lms_browser.post(
        f"/courses/{course_id}/quiz",
        json={"topic": custom["topic"], "n": int(custom["n"])},
        headers=student,
    )
    assert quiz.status_code == 200, quiz.text
    questions = quiz.json()["questions"]
    answers = {q["id"]: q["answer"] for q in questions}
    answers[questions[0]["id"]] = "banana"
    body = {"quiz_id": quiz.json()["quiz_id"], "answers": answers}
    graded = lms_browser.post(f"/courses/{course_id}/quiz/grade", json=body, headers=student)
    assert graded.status_code == 200, graded.text
    sent = lms_browser.post("/lti/scores", json={"quiz_id": body["quiz_id"]}, headers=student)
    assert sent.status_code == 202, sent.text

    [score] = eventually(lambda: [s for s in platform.scores if s["body"]["userId"] == learner.sub])
    assert score["body"]["scoreGiven"] == graded.json()["score"]
    assert score["body"]["scoreMaximum"] == graded.json()["max_score"] == len(questions)
    assert score["authorization"] == f"Bearer {platform.access_tokens[-1]}"
    assert score["body"]["gradingProgress"] == "FullyGraded"

    def outbox() -> list[tuple[str, str]]:
        listed = api.get("/lti/scores", params={"course_id": course_id}).json()
        return [(s["user"], s["state"]) for s in listed]

    assert eventually(lambda: outbox() == [("Grace Hopper", "sent")])
    refused = lms_browser.get("/lti/scores", params={"course_id": course_id}, headers=student)
    assert refused.status_code == 403


def test_in_the_lms_frame_a_placed_quiz_is_taken_and_its_grade_shown_to_the_instructor(
    browser: Any, platforms: dict[str, SimulatedPlatform], lms_browser: httpx.Client
) -> None:
    moodle = platforms["moodle"]
    course = LmsCourse("53", "GR-W 1", "Framed placement")
    course_id = set_up_course(lms_browser, moodle, course)
    teacher = moodle.user("t-grades", "Ada Lovelace", "instructor")
    context, frame = open_in_lms(browser, moodle.course_page(teacher, course, DEEP_LINK))
    try:
        frame.get_by_role("heading", name="Add BYOSC to Framed placement").wait_for()
        frame.get_by_label("A practice quiz, graded into the LMS gradebook").check()
        frame.get_by_label("Topic").fill("page fault")
        frame.get_by_label("Questions").fill("2")
        frame.get_by_role("button", name="Place in the LMS course").click()
        frame.get_by_text("Placed:").wait_for()
    finally:
        context.close()
    [item] = moodle.deep_link_responses[-1][CONTENT_ITEMS]
    assert item["custom"] == {"placement": "quiz", "topic": "page fault", "n": "2"}
    assert item["lineItem"]["scoreMaximum"] == 2

    learner = moodle.user("s-framed", "Grace Hopper", "learner")
    context, frame = open_in_lms(browser, moodle.course_page(learner, course))
    try:
        assert frame.get_by_label("Topic").input_value() == "page fault"
        assert frame.get_by_label("Questions").input_value() == "2"
        frame.get_by_role("button", name="Make a quiz").click()
        frame.get_by_role("button", name="Grade my answers").click()
        frame.get_by_text("It goes to the LMS gradebook.").wait_for()
    finally:
        context.close()
    eventually(lambda: [s for s in moodle.scores if s["body"]["userId"] == learner.sub])

    context, frame = open_in_lms(browser, moodle.course_page(teacher, course))
    try:
        frame.get_by_role("button", name=f"Framed placement ({course_id})").click()
        frame.get_by_role("tab", name="LMS grades").click()
        row = frame.locator("table.lti-scores tbody tr").filter(has_text="Grace Hopper")
        row.filter(has_text="Sent").wait_for()
    finally:
        context.close()
