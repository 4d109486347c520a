"""The course admin's Schedule tab in headless Chromium, against the real stack: a schedule
that does not parse is refused with the reason, one that does shows its next run, a
scheduled run (started as the beat's tick starts it) shows its job's outcome, and the
schedule is stopped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from byosc.bootstrap import open_catalog, open_job_store
from byosc.domain import Job, utcnow
from byosc.jobs.control import request_refresh, wait_for_job
from byosc.schedules.runner import run_due_refreshes
from byosc.schedules.store import SqlScheduleStore
from byosc.settings import Settings
from services.common.jobqueue import open_job_queue
from services.stack import Stack
from tests.support.browser import DESKTOP, serious_violations
from tests.support.browser import sign_in as sign_in_page

pytestmark = pytest.mark.slow
COURSE = "sched303"


@pytest.fixture(scope="module")
def page(browser: Any, stack: Stack, admin_token: str, api: httpx.Client) -> Iterator[Any]:
    assert api.post("/courses", json={"id": COURSE, "name": "Scheduled"}).status_code == 201
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in_page(page, stack.url("gateway"), admin_token)
    page.get_by_role("link", name="Course admin").click()
    page.get_by_role("button", name=f"Scheduled ({COURSE})").click()
    page.get_by_role("tab", name="Schedule").click()
    yield page
    context.close()


def _tick_now(stack: Stack) -> None:
    """What the beat's next tick does, run here at a moment the schedule is due."""
    settings = Settings(data_dir=stack.data_dir)
    catalog = open_catalog(settings)
    jobs, queue = open_job_store(catalog), open_job_queue(settings)

    def start(course_id: str) -> tuple[Job, bool]:
        return request_refresh(catalog, jobs, queue, settings, course_id)

    try:
        due = utcnow() + timedelta(days=8)
        [run] = run_due_refreshes(SqlScheduleStore(catalog.engine), start, 300, now=due)
        assert run.course_id == COURSE and run.error is None and run.job_id is not None
        assert wait_for_job(jobs, run.job_id, 60).state == "succeeded"
    finally:
        queue.close()
        catalog.close()


def test_a_schedule_is_refused_set_run_and_stopped_from_the_schedule_tab(
    page: Any, stack: Stack
) -> None:
    page.get_by_text("No schedule: the course refreshes only when asked.").wait_for()
    page.get_by_label("Refresh schedule", exact=True).fill("every 2 fortnights")
    page.get_by_role("button", name="Save schedule").click()
    page.get_by_text("Not saved: unknown unit 'fortnights'").wait_for()

    page.get_by_label("Refresh schedule", exact=True).fill("0 6 * * mon-fri")
    page.get_by_label("Time zone of a cron expression").fill("Europe/Madrid")
    page.get_by_label("Train after a refresh that adds at least this many pairs").fill("40")
    page.get_by_role("button", name="Save schedule").click()
    page.get_by_text("Saved. The scheduler picks it up at its next tick.").wait_for()
    shown = page.locator(".schedule-expression")
    assert shown.inner_text() == "0 6 * * mon-fri (Europe/Madrid)"
    assert page.locator(".schedule-next").inner_text().strip()
    assert page.locator(".schedule-last").inner_text() == "none yet"
    assert not serious_violations(page)

    _tick_now(stack)
    page.get_by_role("tab", name="Schedule").click()  # shown again, read anew
    page.locator(".schedule-last", has_text="succeeded, 0 added").wait_for()

    page.get_by_role("button", name="Stop scheduled refreshes").click()
    page.get_by_text("Scheduled refreshes stopped.").wait_for()
    page.get_by_text("No schedule: the course refreshes only when asked.").wait_for()
