"""Feedback on answers and the questions the material did not cover get their tables.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _course_id() -> sa.Column[object]:
    course = sa.ForeignKey("courses.id", ondelete="CASCADE")
    return sa.Column("course_id", sa.String(64), course, nullable=False)


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    have = present.tables()
    if "feedback" not in have:
        op.create_table(
            "feedback",
            sa.Column("id", sa.String(32), primary_key=True),
            _course_id(),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("answer", sa.Text, nullable=False),
            sa.Column("rating", sa.String(4), nullable=False),
            sa.Column("reason", sa.Text, nullable=True),
            sa.Column("citations", sa.JSON, nullable=False),
            sa.Column("user", sa.String(200), nullable=True),
            _time("created_at"),
            _time("resolved_at", nullable=True),
        )
        op.create_index("ix_feedback_course_id", "feedback", ["course_id"])
    if "uncovered_questions" not in have:
        op.create_table(
            "uncovered_questions",
            sa.Column("id", sa.String(32), primary_key=True),
            _course_id(),
            sa.Column("question", sa.Text, nullable=False),
            _time("asked_at"),
            _time("resolved_at", nullable=True),
        )
        op.create_index("ix_uncovered_questions_course_id", "uncovered_questions", ["course_id"])


def downgrade() -> None:
    op.drop_table("uncovered_questions")
    op.drop_table("feedback")
