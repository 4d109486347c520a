"""Per-course refresh schedules: the expression (cron or interval) and time zone, the
training policy, the next run (claimed by compare-and-set) and the last scheduled run's
outcome.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    if "course_refresh_schedules" in present.tables():
        return
    course = sa.ForeignKey("courses.id", ondelete="CASCADE")
    op.create_table(
        "course_refresh_schedules",
        sa.Column("course_id", sa.String(64), course, primary_key=True),
        sa.Column("expression", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("train_min_pairs", sa.Integer, nullable=True),
        _time("next_run_at"),
        _time("last_run_at", nullable=True),
        sa.Column("last_job_id", sa.String(64), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        _time("updated_at"),
    )
    op.create_index(
        "ix_course_refresh_schedules_next_run_at", "course_refresh_schedules", ["next_run_at"]
    )


def downgrade() -> None:
    op.drop_table("course_refresh_schedules")
