"""Per-course change cursors of a source (the Drive changes API's start page token, with
the folder tree it was taken with).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "source_cursors" in present.tables():
        return
    course = sa.ForeignKey("courses.id", ondelete="CASCADE")
    op.create_table(
        "source_cursors",
        sa.Column("course_id", sa.String(64), course, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("folder_id", sa.String(200), nullable=False),
        sa.Column("cursor", sa.String(500), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("source_cursors")
