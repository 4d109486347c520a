"""The courses a new key's scope names must exist: a key scoped to a mistyped course would
be issued and then reach nothing."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from byosc.catalog.sql import courses


def missing_courses(engine: sa.Engine, course_ids: Sequence[str]) -> list[str]:
    """The IDs among course_ids that name no course, in the order given."""
    if not course_ids:
        return []
    query = sa.select(courses.c.id).where(courses.c.id.in_(course_ids))
    with engine.connect() as conn:
        found = set(conn.execute(query).scalars())
    return [course_id for course_id in course_ids if course_id not in found]


def missing_message(course_id: str) -> str:
    return f"course {course_id} does not exist"
