"""LMS integration end to end on the real stack: a Moodle-shaped and a Canvas-shaped
platform (simulated, on loopback) are registered, one through the API and one with
`byosc lti platforms add`; an instructor's launch creates and maps the course and uploads
its notes; a learner's launch gets a session for that course and asks /chat through the
gateway, which answers citing the notes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app as cli
from services.stack import Stack
from tests.support.lti_browser import launch
from tests.support.lti_platform import SimulatedPlatform
from tests.support.lti_shapes import CanvasShape, LmsCourse, MoodleShape

pytestmark = pytest.mark.slow

NOTES = b"""# Scheduling

Round robin scheduling gives every ready process the same time slice in turn.
A process that uses up its time slice goes to the back of the ready queue.
"""
QUESTION = "What does round robin scheduling give every ready process?"


@pytest.fixture(scope="module")
def platforms(stack: Stack) -> Iterator[dict[str, SimulatedPlatform]]:
    made = {
        "moodle": SimulatedPlatform(MoodleShape(), "", "e2e-moodle-client", "1"),
        "canvas": SimulatedPlatform(
            CanvasShape(), "https://canvas.instructure.com", "10000000000077", "9:e2e"
        ),
    }
    for platform in made.values():
        platform.tool_launch_url = f"{stack.url('gateway')}/lti/launch"
        platform.start()
    yield made
    for platform in made.values():
        platform.stop()


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[httpx.Client]:
    """What the LMS's iframe does: no key, only what the launch gives."""
    with httpx.Client(base_url=stack.url("gateway"), timeout=120.0) as client:
        yield client


def register(how: str, platform: SimulatedPlatform, api: httpx.Client, stack: Stack) -> None:
    registration = platform.registration(f"{platform.shape.product} e2e")
    if how == "api":
        created = api.post("/lti/platforms", json=registration)
        assert created.status_code == 201, created.text
        return
    args = ["lti", "platforms", "add", "--name", registration["name"]]
    args += ["--issuer", registration["issuer"], "--client-id", registration["client_id"]]
    args += ["--deployment-id", registration["deployment_ids"][0]]
    args += ["--auth-url", registration["auth_url"], "--token-url", registration["token_url"]]
    args += ["--jwks-url", registration["jwks_url"]]
    for origin in registration["embed_origins"]:
        args += ["--embed-origin", origin]
    added = CliRunner().invoke(cli, args, env={"BYOSC_DATA_DIR": str(stack.data_dir)})
    assert added.exit_code == 0, added.output


def bearer(token: str | None) -> dict[str, str]:
    assert token
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("product", "how", "course"),
    [
        ("moodle", "api", LmsCourse("41", "LTI-M 140", "Scheduling (Moodle)")),
        ("canvas", "cli", LmsCourse("a9f3c0d2e1", "LTI-C 140", "Scheduling (Canvas)")),
    ],
)
def test_an_lms_registers_byosc_and_its_instructor_and_learner_launch_into_one_course(
    product: str,
    how: str,
    course: LmsCourse,
    platforms: dict[str, SimulatedPlatform],
    api: httpx.Client,
    stack: Stack,
    browser: httpx.Client,
) -> None:
    platform = platforms[product]
    register(how, platform, api, stack)
    teacher = platform.user("t-1", "Ada Lovelace", "instructor")
    first = launch(browser, platform, teacher, course)
    assert (first.status, first.landing) == (200, "#lti-setup"), first.text
    setup = browser.get("/lti/contexts", headers=bearer(first.token)).json()
    course_id = setup["suggested_course_id"]
    assert course_id == course.label.lower().replace(" ", "-")
    create = {"action": "create", "course_id": course_id}
    made = browser.post("/lti/contexts", json=create, headers=bearer(first.token))
    assert made.status_code == 201, made.text
    instructor = bearer(made.json()["token"])
    assert browser.get(f"/courses/{course_id}", headers=instructor).json()["name"] == course.title
    files = [("files", ("scheduling.md", NOTES, "text/markdown"))]
    uploaded = browser.post(
        f"/courses/{course_id}/documents", files=files, params={"wait_s": 120}, headers=instructor
    )
    assert uploaded.status_code == 200 and uploaded.json()["job"]["state"] == "succeeded"

    learner = launch(browser, platform, platform.user("s-1", "Grace Hopper", "learner"), course)
    assert (learner.status, learner.landing) == (200, "#student"), learner.text
    student = bearer(learner.token)
    me = browser.get("/me", headers=student).json()
    assert (me["role"], me["courses"], me["lti"]["product"]) == ("client", [course_id], product)
    chat = {"course_id": course_id, "messages": [{"role": "user", "content": QUESTION}]}
    answered = browser.post("/chat", json=chat, headers=student)
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["answer"] and body["citations"], body
    assert body["citations"][0]["filename"] == "scheduling.md"
    assert "time slice" in body["citations"][0]["snippet"]
    assert browser.post(f"/courses/{course_id}/refresh", headers=student).status_code == 403
    assert browser.post("/lti/contexts", json=create, headers=student).status_code == 403

    again = launch(browser, platform, teacher, course)
    assert again.landing == "#instructor"
