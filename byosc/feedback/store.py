"""SqlFeedbackStore: ratings of answers and the questions the material did not cover, per
course, in the metadata DB.

Both tables belong to their course (ON DELETE CASCADE). Neither holds an identity unless a
feedback request carried `user`: an uncovered question is stored with its course and time
only. Resolving a question keeps its row and hides it from the gaps.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime, metadata
from byosc.domain import utcnow
from byosc.errors import NotFound
from byosc.feedback.models import FeedbackCreated, FeedbackRequest, OpenQuestion, new_id


def _course_id() -> sa.Column[Any]:
    course = sa.ForeignKey("courses.id", ondelete="CASCADE")
    return sa.Column("course_id", sa.String(64), course, nullable=False, index=True)


feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    _course_id(),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("rating", sa.String(4), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("citations", sa.JSON, nullable=False),
    sa.Column("user", sa.String(200), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
)

uncovered_questions = sa.Table(
    "uncovered_questions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    _course_id(),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("asked_at", UtcDateTime(), nullable=False),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
)


class SqlFeedbackStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, course_id: str, request: FeedbackRequest) -> FeedbackCreated:
        created = FeedbackCreated(id=new_id(), course_id=course_id, created_at=utcnow())
        row = request.model_dump(mode="json") | created.model_dump()
        self._insert(feedback, row)
        return created

    def record_uncovered(self, course_id: str, question: str) -> str:
        """Stores a question the course's material did not cover; returns its ID."""
        row = {"id": new_id(), "course_id": course_id, "question": question}
        self._insert(uncovered_questions, row | {"asked_at": utcnow()})
        return row["id"]

    def open_questions(self, course_id: str, limit: int) -> list[OpenQuestion]:
        """Unresolved uncovered and thumbs-down questions of the course, newest first."""
        uncovered = sa.select(
            uncovered_questions.c.id,
            uncovered_questions.c.question,
            sa.literal("uncovered").label("source"),
            uncovered_questions.c.asked_at.label("asked_at"),
            sa.null().label("reason"),
        ).where(
            uncovered_questions.c.course_id == course_id,
            uncovered_questions.c.resolved_at.is_(None),
        )
        rated_down = sa.select(
            feedback.c.id,
            feedback.c.question,
            sa.literal("thumbs_down").label("source"),
            feedback.c.created_at.label("asked_at"),
            feedback.c.reason,
        ).where(
            feedback.c.course_id == course_id,
            feedback.c.rating == "down",
            feedback.c.resolved_at.is_(None),
        )
        both = sa.union_all(uncovered, rated_down).subquery()
        query = sa.select(both).order_by(both.c.asked_at.desc(), both.c.id).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [OpenQuestion.model_validate(row._asdict()) for row in rows]

    def resolve(self, course_id: str, question_ids: Collection[str]) -> int:
        """Marks these open questions of the course resolved; IDs of other courses, unknown
        or already resolved ones change nothing. Returns how many it marked."""
        ids, now, marked = list(set(question_ids)), utcnow(), 0
        with self.engine.begin() as conn:
            for table in (uncovered_questions, feedback):
                update = (
                    table.update()
                    .where(
                        table.c.course_id == course_id,
                        table.c.id.in_(ids),
                        table.c.resolved_at.is_(None),
                    )
                    .values(resolved_at=now)
                )
                marked += conn.execute(update).rowcount
        return marked

    def _insert(self, table: sa.Table, row: dict[str, Any]) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(table.insert().values(**row))
        except sa.exc.IntegrityError as exc:
            if "foreign key" in str(exc).lower():
                raise NotFound(f"course {row['course_id']} does not exist") from exc
            raise
