"""The LTI launch in headless Chromium, inside an LMS page's frame as students and
instructors meet it: the simulated platform's course page frames the tool's login URL, the
launch page hands its token to the web app (web/js/lti.js), and the web app runs in the
frame, which its Content-Security-Policy allows for the registered platform's origin. An
instructor sets up the course from the setup view; a learner lands in the study view.

The platform and the gateway differ by port only, so the frame is cross-origin but not
cross-site: this shows the framing and the hand-over work, not how each browser treats
third-party storage (the launch needs none beyond the tab's sessionStorage)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.stack import Stack
from tests.support.browser import DESKTOP, serious_violations
from tests.support.lti_platform import SimulatedPlatform
from tests.support.lti_shapes import LmsCourse, MoodleShape

pytestmark = pytest.mark.slow
COURSE = LmsCourse("77", "WEB-LTI 1", "Framed course")


@pytest.fixture(scope="module")
def moodle(stack: Stack, api: httpx.Client) -> Iterator[SimulatedPlatform]:
    platform = SimulatedPlatform(MoodleShape(), "", "web-lti-client", "1")
    platform.tool_launch_url = f"{stack.url('gateway')}/lti/launch"
    platform.start()
    registered = api.post("/lti/platforms", json=platform.registration("Framing Moodle"))
    assert registered.status_code == 201, registered.text
    yield platform
    platform.stop()


def open_in_lms(browser: Any, url: str) -> tuple[Any, Any]:
    """A fresh browser profile (its own sessionStorage) on the LMS page; the tool's frame."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(url)
    return context, page.frame_locator('iframe[title="BYOSC"]')


def test_an_instructor_sets_up_the_course_inside_the_lms_frame_and_a_learner_studies_there(
    browser: Any, moodle: SimulatedPlatform
) -> None:
    teacher = moodle.user("t-9", "Ada Lovelace", "instructor")
    context, frame = open_in_lms(browser, moodle.course_page(teacher, COURSE))
    try:
        frame.get_by_role("heading", name="Set up BYOSC for this course").wait_for()
        assert frame.get_by_label("Course ID").first.input_value() == "web-lti-1"
        [tool_frame] = [f for f in context.pages[0].frames if "/lti" in f.url or "#lti" in f.url]
        assert not serious_violations(tool_frame)
        frame.get_by_role("button", name="Create and link").click()
        frame.get_by_role("heading", name="Course admin").wait_for()
        frame.get_by_role("button", name="Framed course (web-lti-1)").wait_for()
        assert frame.locator("#who").inner_text() == "Ada Lovelace (instructor)"
    finally:
        context.close()

    learner = moodle.user("s-9", "Grace Hopper", "learner")
    context, frame = open_in_lms(browser, moodle.course_page(learner, COURSE))
    try:
        frame.locator("#who").filter(has_text="Grace Hopper (client)").wait_for()
        assert not frame.locator("#nav").is_visible()  # no course admin for a learner
    finally:
        context.close()
