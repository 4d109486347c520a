"""Starting a refresh or a dataset job and waiting for a job: what the API, the CLI and the
workers share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from byosc.domain import Job, JobKind
from byosc.errors import NotFound
from byosc.jobs.retry import TransientError, describe
from byosc.jobs.sql import SqlJobStore
from byosc.ports import Catalog, JobQueue
from byosc.settings import Settings


def request_refresh(
    catalog: Catalog, jobs: SqlJobStore, queue: JobQueue, settings: Settings, course_id: str
) -> tuple[Job, bool]:
    """The course's running refresh, or a new one on the queue; True when it is new."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    return start_job(jobs, settings, course_id, "refresh", queue.enqueue_refresh)


def start_job(
    jobs: SqlJobStore,
    settings: Settings,
    course_id: str,
    kind: JobKind,
    enqueue: Callable[[str], None],
    params: dict[str, Any] | None = None,
) -> tuple[Job, bool]:
    """The course's active job of this kind, or a new one with `params` handed to `enqueue`."""
    # A job silent for longer than the broker's redelivery delay will not resume by itself.
    stale_after_s = settings.queue.redelivery_after_s
    job, created = jobs.start_job(course_id, kind, stale_after_s, params)
    if created:
        try:
            enqueue(job.id)
        except Exception as exc:
            reason = f"the job queue did not take the job: {describe(exc)}"
            jobs.fail_job(job.id, reason)
            raise TransientError(reason) from exc
    return job, created


def resume_orphaned(jobs: SqlJobStore, queue: JobQueue, job_id: str) -> None:
    """Puts an active job back on the queue after its worker died with its messages.

    Only for a broker that loses the messages a dead worker held (the embedded filesystem
    one) and only when no worker is running, so no item marked running is really running.
    Duplicate messages are harmless: a finished item is never processed again."""
    jobs.requeue_running(job_id)
    queue.enqueue_refresh(job_id)


def wait_for_job(jobs: SqlJobStore, job_id: str, timeout_s: float, poll_s: float = 0.25) -> Job:
    """The job once it ends, or as it stands when `timeout_s` runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = jobs.get(job_id, items=False)
        if job is None:
            raise NotFound(f"job {job_id} does not exist")
        if job.finished or time.monotonic() >= deadline:
            return jobs.get(job_id) or job
        time.sleep(poll_s)
