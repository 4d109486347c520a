"""Starts the due scheduled refreshes: what the beat's tick runs, once per tick.

Each due run is claimed first (see store.py), then started through `start_refresh`, the
path a manual refresh takes (byosc.jobs.control.request_refresh): one refresh per course
at a time, a running one returned instead of a second. The next run counts from now, so a
beat that was down for a day runs an overdue schedule once, not once per run it missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from byosc.domain import Job, utcnow
from byosc.errors import ByoscError
from byosc.schedules.spec import ScheduleInvalid
from byosc.schedules.store import RefreshSchedule, SqlScheduleStore

log = logging.getLogger(__name__)
# A stored expression this release no longer reads is retried this much later (and says why).
UNREADABLE_RETRY = timedelta(days=1)


@dataclass(frozen=True)
class ScheduledRun:
    course_id: str
    job_id: str | None
    created: bool  # False: the course's running refresh was returned, or none started
    error: str | None = None


def run_due_refreshes(
    schedules: SqlScheduleStore,
    start_refresh: Callable[[str], tuple[Job, bool]],
    claim_s: float,
    now: datetime | None = None,
) -> list[ScheduledRun]:
    runs = []
    for claimed in schedules.claim_due(now or utcnow(), claim_s):
        runs.append(_run(schedules, start_refresh, claimed))
    return runs


def _run(
    schedules: SqlScheduleStore,
    start_refresh: Callable[[str], tuple[Job, bool]],
    claimed: RefreshSchedule,
) -> ScheduledRun:
    ran_at = utcnow()
    try:
        job, created = start_refresh(claimed.course_id)
        run = ScheduledRun(claimed.course_id, job.id, created)
    except ByoscError as exc:  # the queue refused it, the course went: said on the schedule
        run = ScheduledRun(claimed.course_id, None, False, f"the refresh did not start: {exc}")
    try:
        next_run = claimed.spec().next_after(ran_at)
    except ScheduleInvalid as exc:
        next_run = ran_at + UNREADABLE_RETRY
        run = ScheduledRun(run.course_id, run.job_id, run.created, str(exc))
    schedules.finish(claimed, next_run, ran_at, run.job_id, run.error)
    if run.error:
        log.warning("scheduled refresh of %s: %s", run.course_id, run.error)
    else:
        verb = "started" if run.created else "joined the running"
        log.info("scheduled refresh of %s %s job %s", run.course_id, verb, run.job_id)
    return run
