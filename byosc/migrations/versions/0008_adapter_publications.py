"""Adapters published to a model hub: where, when, and why a publication failed.

One row per adapter (its latest publication), deleted with the adapter.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    if "adapter_publications" in present.tables():
        return
    adapter = sa.ForeignKey("adapters.name", ondelete="CASCADE")
    op.create_table(
        "adapter_publications",
        sa.Column("adapter_name", sa.String(200), adapter, primary_key=True),
        sa.Column("repo_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("private", sa.Boolean, nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("revision", sa.String(64), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        _time("attempted_at"),
        _time("published_at", nullable=True),
    )


def downgrade() -> None:
    op.drop_table("adapter_publications")
