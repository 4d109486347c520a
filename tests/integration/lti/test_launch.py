"""Launches from a Moodle-shaped and a Canvas-shaped platform through the real OIDC walk
(login initiation, the platform's auth endpoint, the form post): each ends in a session
token for the web app, scoped to the linked course, carrying the launch."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.lti.conftest import CS140, Tool
from tests.support.lti_browser import launch, login
from tests.support.lti_platform import SimulatedPlatform
from tests.support.lti_shapes import LmsCourse


def bearer(token: str | None) -> dict[str, str]:
    assert token is not None
    return {"authorization": f"Bearer {token}"}


def me(tool: Tool, token: str | None) -> dict[str, object]:
    answer = tool.http.get("/me", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def link(tool: Tool, platform: SimulatedPlatform, course: LmsCourse, course_id: str) -> None:
    """An instructor of the LMS course links it to `course_id` with an API key of its own."""
    instructor = platform.user("teacher-1", "Ada Lovelace", "instructor")
    page = launch(tool.http, platform, instructor, course)
    key = tool.key("instructor", [course_id])["authorization"].removeprefix("Bearer ")
    body = {"action": "link", "course_id": course_id, "key": key}
    linked = tool.http.post("/lti/contexts", json=body, headers=bearer(page.token))
    assert linked.status_code == 201, linked.text


def test_an_instructors_first_moodle_launch_lands_on_setup_signed_in_with_no_course(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    instructor = moodle.user("2", "Ada Lovelace", "instructor")
    page = launch(tool.http, moodle, instructor, CS140)
    assert page.status == 200, page.text
    assert page.landing == "#lti-setup"
    assert page.response.headers["cache-control"] == "no-store"
    assert f"frame-ancestors {moodle.base_url}" in page.response.headers["content-security-policy"]
    who = me(tool, page.token)
    assert (who["name"], who["role"], who["courses"]) == ("Ada Lovelace", "instructor", [])
    lti = who["lti"]
    assert isinstance(lti, dict)
    assert lti["context"] == {"id": "2", "label": "CS140", "title": "Operating Systems"}
    assert lti["product"] == "moodle" and lti["custom"] == {"topic": "scheduling"}
    assert lti["ags"]["lineitems"].startswith(moodle.base_url)
    assert lti["resource_link"]["id"] == "link-2"
    assert lti["deep_linking"] is None
    # What the tool asked the platform for: an OIDC implicit-flow request, posted back.
    [request] = moodle.auth_requests[-1:]
    assert request["redirect_uri"] == "http://testserver/lti/launch"
    assert request["prompt"] == "none" and request["response_mode"] == "form_post"


def test_a_linked_canvas_course_gives_its_learner_a_session_for_that_course_only(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    tool.course("cs140")
    link(tool, canvas, CS140, "cs140")
    learner = canvas.user("b1946ac92492d2347c6235b4d2611184", "Grace Hopper", "learner")
    page = launch(tool.http, canvas, learner, CS140)
    assert page.status == 200, page.text
    assert page.landing == "#student"
    who = me(tool, page.token)
    assert (who["role"], who["courses"]) == ("client", ["cs140"])
    lti = who["lti"]
    assert isinstance(lti, dict)
    assert lti["product"] == "canvas"
    assert lti["custom"]["canvas_course_id"] == "7"
    assert lti["deployment_id"] == canvas.deployment_id
    student = bearer(page.token)
    assert tool.http.get("/courses/cs140/documents", headers=student).status_code == 200
    assert tool.http.get("/courses/other/documents", headers=student).status_code == 404
    assert [path for path, _ in tool.upstream.received] == ["/courses/cs140/documents"]


def test_a_learner_may_not_set_up_the_course_nor_use_a_manage_route(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    tool.course("cs140")
    link(tool, canvas, CS140, "cs140")
    learner = canvas.user("learner-2", "Grace Hopper", "learner")
    student = bearer(launch(tool.http, canvas, learner, CS140).token)
    body = {"action": "create", "course_id": "mine"}
    assert tool.http.post("/lti/contexts", json=body, headers=student).status_code == 403
    assert tool.http.post("/courses/cs140/refresh", headers=student).status_code == 403
    files = {"files": ("x.md", b"# x", "text/markdown")}
    upload = tool.http.post("/courses/cs140/documents", files=files, headers=student)
    assert upload.status_code == 403
    assert tool.upstream.received == []


def test_a_learner_in_a_course_not_set_up_gets_a_page_saying_so_and_no_session(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    learner = moodle.user("5", "Grace Hopper", "learner")
    page = launch(tool.http, moodle, learner, LmsCourse("99", "EE101", "Circuits"))
    assert page.status == 404
    assert "instructor has not set up BYOSC" in page.text
    assert page.token is None


@pytest.mark.parametrize(
    ("role", "byosc_role"),
    [
        ("teaching_assistant", "instructor"),
        ("staff_learner", "client"),
        ("instructor", "instructor"),
    ],
)
def test_canvas_roles_map_to_byosc_roles_by_their_role_in_the_course(
    tool: Tool, canvas: SimulatedPlatform, role: str, byosc_role: str
) -> None:
    tool.course("cs140")
    link(tool, canvas, CS140, "cs140")
    page = launch(tool.http, canvas, canvas.user(f"u-{role}", "Alan Turing", role), CS140)
    assert me(tool, page.token)["role"] == byosc_role


def test_an_observer_is_refused_with_a_page_naming_the_role_problem(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    page = launch(tool.http, canvas, canvas.user("parent-1", "Alan Turing", "observer"), CS140)
    assert page.status == 403 and page.token is None
    assert "role in this course does not give access" in page.text


def test_a_moodle_site_admin_teaching_the_course_is_an_instructor_and_no_more(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    page = launch(tool.http, moodle, moodle.user("1", "Admin User", "site_admin"), CS140)
    assert me(tool, page.token)["role"] == "instructor"
    assert tool.http.get("/keys", headers=bearer(page.token)).status_code == 403


def test_a_deep_linking_request_carries_its_settings_into_the_session(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    tool.course("cs140")
    link(tool, canvas, CS140, "cs140")
    instructor = canvas.user("teacher-1", "Ada Lovelace", "instructor")
    page = launch(tool.http, canvas, instructor, CS140, "LtiDeepLinkingRequest")
    assert page.status == 200, page.text
    assert page.landing == "#lti-deep-link"
    lti = me(tool, page.token)["lti"]
    assert isinstance(lti, dict)
    assert lti["message_type"] == "LtiDeepLinkingRequest"
    assert lti["resource_link"] is None
    assert lti["deep_linking"]["deep_link_return_url"] == f"{canvas.base_url}/deep_linking_response"
    assert lti["deep_linking"]["data"] == "opaque-platform-data-7f3a"


def test_the_login_initiation_may_be_a_form_post(tool: Tool, moodle: SimulatedPlatform) -> None:
    instructor = moodle.user("2", "Ada Lovelace", "instructor")
    redirect = login(tool.http, moodle, instructor, CS140, method="POST")
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(f"{moodle.base_url}/auth?")
    assert httpx.get(redirect.headers["location"]).status_code == 200
