"""The LTI tool's score outbox: quiz grades waiting for, sent to or refused by an LMS
gradebook (Assignment and Grade Services).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    if "lti_score_outbox" in present.tables():
        return
    course = sa.ForeignKey("courses.id", ondelete="CASCADE")
    op.create_table(
        "lti_score_outbox",
        sa.Column("quiz_id", sa.String(64), primary_key=True),
        sa.Column("course_id", sa.String(64), course, nullable=False),
        sa.Column("platform_id", sa.String(32), nullable=False),
        sa.Column("user_sub", sa.String(255), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=True),
        sa.Column("resource_link_id", sa.String(255), nullable=True),
        sa.Column("ags", sa.JSON, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("score_given", sa.Float, nullable=False),
        sa.Column("score_maximum", sa.Float, nullable=False),
        sa.Column("line_item_url", sa.String(1000), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        _time("next_attempt_at"),
        _time("created_at"),
        _time("updated_at"),
    )
    op.create_index("ix_lti_score_outbox_course_id", "lti_score_outbox", ["course_id"])
    op.create_index("ix_lti_score_outbox_next_attempt_at", "lti_score_outbox", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("lti_score_outbox")
