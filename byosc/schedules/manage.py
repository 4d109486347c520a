"""Setting, reading and clearing a course's refresh schedule: what the API and the CLI share."""

from __future__ import annotations

from pydantic import BaseModel, Field

from byosc.domain import Job
from byosc.errors import NotFound
from byosc.jobs.sql import SqlJobStore
from byosc.ports import Catalog
from byosc.schedules.settings import ScheduleSettings
from byosc.schedules.spec import parse_schedule
from byosc.schedules.store import RefreshSchedule, SqlScheduleStore


class ScheduleRequest(BaseModel):
    expression: str = Field(
        max_length=200,
        description="A 5-field cron expression (`0 6 * * mon-fri`, `@daily`) or an interval "
        "(`every 6h`, `every 1h30m`, or seconds).",
        examples=["0 6 * * mon-fri", "every 6h"],
    )
    timezone: str = Field(
        default="UTC", max_length=64, description="The cron expression's time zone (IANA)."
    )
    train_min_pairs: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Train after a refresh whose dataset gained at least this many pairs. "
        "Off when absent: a training costs GPU hours.",
    )


class ScheduleView(RefreshSchedule):
    last_job: Job | None = Field(
        default=None, description="The last scheduled run's refresh job as it stands."
    )


def set_schedule(
    catalog: Catalog,
    schedules: SqlScheduleStore,
    jobs: SqlJobStore,
    settings: ScheduleSettings,
    course_id: str,
    request: ScheduleRequest,
) -> ScheduleView:
    """Sets the schedule (ScheduleInvalid says why one is refused); the next run counts from
    now, and the beat picks it up at its next tick."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    spec = parse_schedule(
        request.expression, request.timezone, min_interval_s=settings.min_interval_s
    )
    schedules.put(course_id, spec, request.train_min_pairs)
    return show_schedule(catalog, schedules, jobs, course_id)


def show_schedule(
    catalog: Catalog, schedules: SqlScheduleStore, jobs: SqlJobStore, course_id: str
) -> ScheduleView:
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    schedule = schedules.get(course_id)
    if schedule is None:
        raise NotFound(f"course {course_id} has no refresh schedule")
    last_job = jobs.get(schedule.last_job_id, items=False) if schedule.last_job_id else None
    return ScheduleView(**schedule.model_dump(exclude={"kind"}), last_job=last_job)


def clear_schedule(catalog: Catalog, schedules: SqlScheduleStore, course_id: str) -> bool:
    """False when the course had no schedule."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    return schedules.delete(course_id)
