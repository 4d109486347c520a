"""The LTI 1.3 tool gets its tables: platform registrations, links of LMS contexts to
courses, logins in flight (state and nonce) and the tool's own keys.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    have = present.tables()
    if "lti_platforms" not in have:
        op.create_table(
            "lti_platforms",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("issuer", sa.String(1000), nullable=False),
            sa.Column("client_id", sa.String(255), nullable=False),
            sa.Column("deployment_ids", sa.JSON, nullable=False),
            sa.Column("auth_url", sa.String(1000), nullable=False),
            sa.Column("token_url", sa.String(1000), nullable=False),
            sa.Column("jwks_url", sa.String(1000), nullable=False),
            sa.Column("embed_origins", sa.JSON, nullable=False),
            _time("created_at"),
            sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client_id"),
        )
    if "lti_context_links" not in have:
        course = sa.ForeignKey("courses.id", ondelete="CASCADE")
        op.create_table(
            "lti_context_links",
            sa.Column("issuer", sa.String(1000), primary_key=True),
            sa.Column("deployment_id", sa.String(255), primary_key=True),
            sa.Column("context_id", sa.String(255), primary_key=True),
            sa.Column("course_id", sa.String(64), course, nullable=False),
            sa.Column("platform_id", sa.String(32), nullable=False),
            sa.Column("linked_by", sa.String(255), nullable=False),
            _time("linked_at"),
        )
        op.create_index("ix_lti_context_links_course_id", "lti_context_links", ["course_id"])
    if "lti_launch_states" not in have:
        op.create_table(
            "lti_launch_states",
            sa.Column("state", sa.String(64), primary_key=True),
            sa.Column("nonce", sa.String(64), nullable=False),
            sa.Column("platform_id", sa.String(32), nullable=False),
            _time("expires_at"),
        )
        op.create_index("ix_lti_launch_states_expires_at", "lti_launch_states", ["expires_at"])
    if "lti_tool_keys" not in have:
        op.create_table(
            "lti_tool_keys",
            sa.Column("kid", sa.String(64), primary_key=True),
            sa.Column("private_pem", sa.Text, nullable=False),
            _time("created_at"),
            _time("retired_at", nullable=True),
        )


def downgrade() -> None:
    for table in ("lti_tool_keys", "lti_launch_states", "lti_context_links", "lti_platforms"):
        op.drop_table(table)
