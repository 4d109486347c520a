"""The course a job belongs to, read from the jobs table: the gateway checks a job route
against the caller's scope without loading the job and its items."""

from __future__ import annotations

import sqlalchemy as sa

from byosc.jobs.tables import jobs


def job_course(engine: sa.Engine, job_id: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(jobs.c.course_id).where(jobs.c.id == job_id)).scalar()
