"""The LTI tool's tables in the metadata DB. They join the catalog's metadata: a context
link belongs to its course (ON DELETE CASCADE)."""

from __future__ import annotations

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime, metadata

lti_platforms = sa.Table(
    "lti_platforms",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("issuer", sa.String(1000), nullable=False),
    sa.Column("client_id", sa.String(255), nullable=False),
    sa.Column("deployment_ids", sa.JSON, nullable=False),
    sa.Column("auth_url", sa.String(1000), nullable=False),
    sa.Column("token_url", sa.String(1000), nullable=False),
    sa.Column("jwks_url", sa.String(1000), nullable=False),
    sa.Column("embed_origins", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client_id"),
)

# Keyed by issuer rather than by registration: a platform removed and registered again
# (new URLs, a new client ID) keeps its courses' links.
lti_context_links = sa.Table(
    "lti_context_links",
    metadata,
    sa.Column("issuer", sa.String(1000), primary_key=True),
    sa.Column("deployment_id", sa.String(255), primary_key=True),
    sa.Column("context_id", sa.String(255), primary_key=True),
    sa.Column(
        "course_id",
        sa.String(64),
        sa.ForeignKey("courses.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("platform_id", sa.String(32), nullable=False),
    sa.Column("linked_by", sa.String(255), nullable=False),
    sa.Column("linked_at", UtcDateTime(), nullable=False),
)

# One row per login in flight: the state and nonce sent to the platform, single use.
lti_launch_states = sa.Table(
    "lti_launch_states",
    metadata,
    sa.Column("state", sa.String(64), primary_key=True),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("platform_id", sa.String(32), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

lti_tool_keys = sa.Table(
    "lti_tool_keys",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column("private_pem", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("retired_at", UtcDateTime(), nullable=True),
)

# Scores waiting for, or done with, the platform's gradebook (AGS): one row per quiz, the
# latest grade. The row holds what posting needs (the launch's AGS claim and resource link)
# so the sender never asks the student's session again.
lti_score_outbox = sa.Table(
    "lti_score_outbox",
    metadata,
    sa.Column("quiz_id", sa.String(64), primary_key=True),
    sa.Column(
        "course_id",
        sa.String(64),
        sa.ForeignKey("courses.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
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
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
