"""A course's refresh schedule: set, read, clear. The beat starts its runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response

from byosc.schedules.manage import (
    ScheduleRequest,
    ScheduleView,
    clear_schedule,
    set_schedule,
    show_schedule,
)
from byosc.schedules.spec import ScheduleInvalid
from byosc.schedules.store import SqlScheduleStore
from services.ingest.dependencies import CatalogDep, JobsDep, SettingsDep

router = APIRouter(tags=["courses"])


def _schedules(jobs: JobsDep) -> SqlScheduleStore:
    return SqlScheduleStore(jobs.engine)


SchedulesDep = Annotated[SqlScheduleStore, Depends(_schedules)]


@router.get(
    "/courses/{course_id}/schedule",
    responses={404: {"description": "No such course, or it has no schedule."}},
)
def get_schedule(
    course_id: str, catalog: CatalogDep, schedules: SchedulesDep, jobs: JobsDep
) -> ScheduleView:
    """The schedule, its next run, and the last scheduled run (its job, or why it did not
    start)."""
    return show_schedule(catalog, schedules, jobs, course_id)


@router.put(
    "/courses/{course_id}/schedule",
    responses={422: {"description": "The expression or time zone does not parse; says why."}},
)
def put_schedule(
    course_id: str,
    body: ScheduleRequest,
    catalog: CatalogDep,
    schedules: SchedulesDep,
    jobs: JobsDep,
    settings: SettingsDep,
) -> ScheduleView:
    """Refreshes the course on a cron expression or an interval, through the same job as a
    manual refresh (a run that finds a refresh running joins it). Applies at the beat's next
    tick; the next run counts from now."""
    try:
        return set_schedule(catalog, schedules, jobs, settings.schedules, course_id, body)
    except ScheduleInvalid as exc:
        raise HTTPException(422, str(exc)) from exc


@router.delete("/courses/{course_id}/schedule", status_code=204)
def delete_schedule(course_id: str, catalog: CatalogDep, schedules: SchedulesDep) -> Response:
    """Stops scheduled refreshes of the course (none running is stopped)."""
    clear_schedule(catalog, schedules, course_id)
    return Response(status_code=204)
