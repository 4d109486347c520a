"""Refresh jobs: start one, watch it."""

from __future__ import annotations

from fastapi import APIRouter

from byosc.domain import Job, JobAccepted
from byosc.errors import NotFound
from byosc.jobs.control import request_refresh
from services.ingest.dependencies import CatalogDep, JobsDep, QueueDep, SettingsDep

router = APIRouter(tags=["jobs"])


@router.post("/courses/{course_id}/refresh", status_code=202)
def refresh_course(
    course_id: str, catalog: CatalogDep, jobs: JobsDep, queue: QueueDep, settings: SettingsDep
) -> JobAccepted:
    """Brings the index in line with the course's source. While a refresh of the course is
    queued or running, returns that job instead of starting another."""
    job, created = request_refresh(catalog, jobs, queue, settings, course_id)
    return JobAccepted(job_id=job.id, state=job.state, created=created)


@router.get("/jobs/{job_id}")
def get_job(job_id: str, jobs: JobsDep) -> Job:
    """State, progress (documents done of total, current step), per-document errors and
    timings."""
    if (job := jobs.get(job_id)) is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: str, jobs: JobsDep) -> Job:
    """Cancels a queued or running job; returns it as it stands. Documents already indexed
    stay indexed; a training job stops at its next step and keeps its checkpoint."""
    return jobs.cancel(job_id)
