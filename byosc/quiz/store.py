"""SqlQuizStore: every quiz as generated, answers included, in the metadata DB.

Grading reads the questions from here, never from the client, so a quiz sent back with its
answers changed grades nothing. The table lives in the catalog's metadata: a quiz belongs
to its course, and deleting the course deletes its quizzes (ON DELETE CASCADE).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime, metadata
from byosc.domain import utcnow
from byosc.errors import NotFound
from byosc.quiz.models import GradeResult, Quiz, QuizRecord

quizzes = sa.Table(
    "quizzes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "course_id",
        sa.String(64),
        sa.ForeignKey("courses.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("topic", sa.String(200), nullable=True),
    sa.Column("questions", sa.JSON, nullable=False),  # QuizQuestions with their answers
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("score", sa.Float, nullable=True),  # the latest grade
    sa.Column("max_score", sa.Integer, nullable=True),
    sa.Column("graded_at", UtcDateTime(), nullable=True),
)


class SqlQuizStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, quiz: Quiz) -> None:
        row = {
            "id": quiz.quiz_id,
            "course_id": quiz.course_id,
            "topic": quiz.topic,
            "questions": [q.model_dump(mode="json") for q in quiz.questions],
            "note": quiz.note,
            "created_at": utcnow(),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(quizzes.insert().values(**row))
        except sa.exc.IntegrityError as exc:
            if "foreign key" in str(exc).lower():
                raise NotFound(f"course {quiz.course_id} does not exist") from exc
            raise

    def get(self, course_id: str, quiz_id: str) -> QuizRecord:
        """The quiz, only under the course it was made for."""
        query = quizzes.select().where(quizzes.c.id == quiz_id, quizzes.c.course_id == course_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"course {course_id} has no quiz {quiz_id}")
        return _record(row)

    def record_grade(self, result: GradeResult) -> None:
        update = (
            quizzes.update()
            .where(quizzes.c.id == result.quiz_id)
            .values(score=result.score, max_score=result.max_score, graded_at=utcnow())
        )
        with self.engine.begin() as conn:
            conn.execute(update)


def _record(row: sa.Row[Any]) -> QuizRecord:
    data = row._asdict()
    data["quiz_id"] = data.pop("id")
    return QuizRecord.model_validate(data)
