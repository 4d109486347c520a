"""An instructor's first launch in an LMS course that no BYOSC course stands for: the setup
view's routes create a course through the ingest service or link an existing one, and hand
back a session for it. Linking someone else's course takes a key that manages it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from byosc.errors import AlreadyExists
from tests.integration.lti.conftest import CS140, Tool
from tests.support.lti_browser import launch
from tests.support.lti_platform import SimulatedPlatform
from tests.support.lti_shapes import LmsCourse

NEXT_TERM = LmsCourse(id="31", label="CS140", title="Operating Systems (spring)")


def session_of(tool: Tool, platform: SimulatedPlatform, sub: str, course: LmsCourse) -> Any:
    page = launch(tool.http, platform, platform.user(sub, "Ada Lovelace", "instructor"), course)
    assert page.landing == "#lti-setup", page.text
    return {"authorization": f"Bearer {page.token}"}


def courses_made_by_ingest(tool: Tool) -> list[dict[str, Any]]:
    """The ingest service's POST /courses over the gateway's own metadata DB: what the
    gateway sends it, and the course made."""
    engine: sa.Engine = tool.http.app.state.db  # type: ignore[attr-defined]
    received: list[dict[str, Any]] = []
    ingest = FastAPI()

    @ingest.post("/courses")
    def create(body: dict[str, Any]) -> JSONResponse:
        received.append(body)
        try:
            SqlCatalog(engine).create_course(Course(id=body["id"], name=body["name"]))
        except AlreadyExists as exc:
            return JSONResponse({"detail": str(exc)}, 409)
        return JSONResponse(body, 201)

    transport = httpx.ASGITransport(app=ingest)
    tool.http.app.state.http = httpx.AsyncClient(transport=transport)  # type: ignore[attr-defined]
    return received


def test_the_setup_view_is_told_the_lms_course_and_a_free_course_id_from_its_label(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    tool.course("cs140")
    setup = tool.http.get("/lti/contexts", headers=session_of(tool, moodle, "2", CS140))
    assert setup.status_code == 200, setup.text
    assert setup.json() == {
        "context": {"id": "2", "label": "CS140", "title": "Operating Systems"},
        "course_id": None,
        "suggested_course_id": "cs140-2",
        "suggested_name": "Operating Systems",
        "linkable_courses": [],
    }


def test_an_instructor_creates_the_course_and_later_launches_land_in_it(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    received = courses_made_by_ingest(tool)
    body = {"action": "create", "course_id": "cs140"}
    made = tool.http.post("/lti/contexts", json=body, headers=session_of(tool, moodle, "2", CS140))
    assert made.status_code == 201, made.text
    assert (made.json()["course_id"], made.json()["created"]) == ("cs140", True)
    assert received == [{"id": "cs140", "name": "Operating Systems"}]
    who = tool.http.get("/me", headers={"authorization": f"Bearer {made.json()['token']}"})
    assert (who.json()["role"], who.json()["courses"]) == ("instructor", ["cs140"])
    again = launch(tool.http, moodle, moodle.user("2", "Ada Lovelace", "instructor"), CS140)
    assert again.landing == "#instructor"
    learner = launch(tool.http, moodle, moodle.user("5", "Grace Hopper", "learner"), CS140)
    assert learner.landing == "#student"
    stale = session_of(tool, moodle, "7", LmsCourse("2-copy", "X", "X"))
    assert tool.http.post("/lti/contexts", json=body, headers=stale).status_code == 409


def test_creating_a_course_whose_id_is_taken_answers_409_and_links_nothing(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    courses_made_by_ingest(tool)
    tool.course("cs140")
    session = session_of(tool, moodle, "2", CS140)
    taken = tool.http.post(
        "/lti/contexts", json={"action": "create", "course_id": "cs140"}, headers=session
    )
    assert taken.status_code == 409 and "exists already" in taken.json()["detail"]
    assert tool.http.get("/lti/contexts", headers=session).json()["course_id"] is None


@pytest.mark.parametrize(
    ("key_of", "reason"),
    [
        (None, "give an API key that manages it"),
        ("unknown", "unknown or revoked"),
        (("client", ["cs140"]), "does not manage course cs140"),
        (("instructor", ["other"]), "does not manage course cs140"),
    ],
)
def test_linking_someone_elses_course_needs_a_key_that_manages_it(
    tool: Tool, canvas: SimulatedPlatform, key_of: Any, reason: str
) -> None:
    tool.course("cs140")
    tool.course("other")
    body: dict[str, Any] = {"action": "link", "course_id": "cs140"}
    if key_of == "unknown":
        body["key"] = "byosc_000000000000_nope"
    elif key_of is not None:
        body["key"] = tool.key(*key_of)["authorization"].removeprefix("Bearer ")
    session = session_of(tool, canvas, "teacher-1", CS140)
    refused = tool.http.post("/lti/contexts", json=body, headers=session)
    assert refused.status_code == 403 and reason in refused.json()["detail"]


def test_an_instructor_links_a_new_term_to_the_course_they_linked_before_without_a_key(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    tool.course("cs140")
    admin_key = tool.admin["authorization"].removeprefix("Bearer ")
    first = {"action": "link", "course_id": "cs140", "key": admin_key}
    session = session_of(tool, canvas, "teacher-1", CS140)
    assert tool.http.post("/lti/contexts", json=first, headers=session).status_code == 201
    next_term = session_of(tool, canvas, "teacher-1", NEXT_TERM)
    assert tool.http.get("/lti/contexts", headers=next_term).json()["linkable_courses"] == ["cs140"]
    body = {"action": "link", "course_id": "cs140"}
    linked = tool.http.post("/lti/contexts", json=body, headers=next_term)
    assert linked.status_code == 201 and linked.json()["created"] is False
    colleague = session_of(tool, canvas, "teacher-2", LmsCourse("40", "CS141", "Other"))
    assert tool.http.post("/lti/contexts", json=body, headers=colleague).status_code == 403


def test_linking_a_course_that_does_not_exist_answers_404(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    admin_key = tool.admin["authorization"].removeprefix("Bearer ")
    body = {"action": "link", "course_id": "nope", "key": admin_key}
    session = session_of(tool, canvas, "teacher-1", CS140)
    assert tool.http.post("/lti/contexts", json=body, headers=session).status_code == 404


def test_the_setup_routes_take_only_a_launch_session(tool: Tool) -> None:
    for headers in (tool.admin, tool.key("instructor", ["cs140"])):
        refused = tool.http.get("/lti/contexts", headers=headers)
        assert refused.status_code == 403 and "session token of an LMS launch" in refused.text
    assert tool.http.get("/lti/contexts").status_code == 401
