"""SqlSourceCursors: where each course's source left off, in the metadata DB.

A source that can tell what changed since a point (Drive's changes API) keeps that point
here with what it knew then (`state`, for Drive the folder tree), so the next refresh asks
only for what changed. One row per course, removed with it. A row made for another
folder or kind of source is not used: the source lists everything again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime, metadata
from byosc.domain import utcnow

_COURSES = "courses.id"

source_cursors = sa.Table(
    "source_cursors",
    metadata,
    # One row per course, removed with it.
    sa.Column(
        "course_id", sa.String(64), sa.ForeignKey(_COURSES, ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("folder_id", sa.String(200), nullable=False),
    sa.Column("cursor", sa.String(500), nullable=False),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class SourceCursor:
    course_id: str
    kind: str
    folder_id: str
    cursor: str
    state: dict[str, Any]
    updated_at: datetime | None = None


class SqlSourceCursors:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def get(self, course_id: str) -> SourceCursor | None:
        query = source_cursors.select().where(source_cursors.c.course_id == course_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else SourceCursor(**row._asdict())

    def put(self, cursor: SourceCursor) -> None:
        """Stores the course's cursor in place of the one before, if any."""
        values = {
            "kind": cursor.kind,
            "folder_id": cursor.folder_id,
            "cursor": cursor.cursor,
            "state": cursor.state,
            "updated_at": utcnow(),
        }
        mine = source_cursors.c.course_id == cursor.course_id
        with self.engine.begin() as conn:
            if conn.execute(source_cursors.update().where(mine).values(**values)).rowcount == 0:
                conn.execute(source_cursors.insert().values(course_id=cursor.course_id, **values))

    def delete(self, course_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(source_cursors.delete().where(source_cursors.c.course_id == course_id))
