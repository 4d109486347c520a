"""The schedules' table in the metadata DB. It joins the catalog's metadata: a schedule
belongs to its course (ON DELETE CASCADE). A table of its own rather than a field of the
course row, because claiming a due run is a compare-and-set on `next_run_at`."""

from __future__ import annotations

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime, metadata

course_refresh_schedules = sa.Table(
    "course_refresh_schedules",
    metadata,
    sa.Column(
        "course_id",
        sa.String(64),
        sa.ForeignKey("courses.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("expression", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    # The training policy: train after a refresh whose dataset gained at least this many
    # pairs; NULL is off.
    sa.Column("train_min_pairs", sa.Integer, nullable=True),
    sa.Column("next_run_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("last_run_at", UtcDateTime(), nullable=True),
    sa.Column("last_job_id", sa.String(64), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
