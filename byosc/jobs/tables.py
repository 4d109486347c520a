"""The job tables, in the catalog's metadata: one engine serves both."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime, metadata
from byosc.domain import ACTIVE_JOB_STATES, Job, JobItem

_ACTIVE = sa.text("state IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_JOB_STATES)))

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "course_id", sa.String(64), sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    ),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("step", sa.String(200), nullable=False, default=""),
    sa.Column("planned", sa.Boolean, nullable=False, default=False),
    sa.Column("total", sa.Integer, nullable=False, default=0),
    sa.Column("done", sa.Integer, nullable=False, default=0),
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("params", sa.Text, nullable=True),  # JSON: what the job was asked for
    sa.Column("figures", sa.Text, nullable=True),  # JSON: its latest progress figures
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=True),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # One active job per course and kind: a second start fails here, whatever the race.
    sa.Index(
        "one_active_job_per_course",
        "course_id",
        "kind",
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    ),
)

job_items = sa.Table(
    "job_items",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("source_id", sa.String(1000), nullable=False),
    sa.Column("filename", sa.String(1000), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("queue", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("step", sa.String(200), nullable=False, default=""),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("document_id", sa.String(64), nullable=True),
    sa.Column("chunks", sa.Integer, nullable=False, default=0),
    sa.Column("timings", sa.Text, nullable=False, default="{}"),
    sa.Column("file", sa.Text, nullable=True),
    sa.Column("started_at", UtcDateTime(), nullable=True),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
)


def item_model(row: sa.Row[Any]) -> JobItem:
    data = row._asdict()
    data["timings"] = json.loads(data["timings"] or "{}")
    data["file"] = json.loads(data["file"]) if data["file"] else None
    return JobItem.model_validate(data)


def job_model(row: sa.Row[Any], outcomes: list[tuple[str, str, int]], items: list[JobItem]) -> Job:
    data = row._asdict()
    data["params"] = json.loads(data["params"] or "{}")
    progress = {k: data[k] for k in ("done", "total", "failed", "step")}
    progress["figures"] = json.loads(data["figures"] or "{}")
    changes = change_counts(outcomes)
    return Job.model_validate({**data, "progress": progress, "changes": changes, "items": items})


def change_counts(outcomes: list[tuple[str, str, int]]) -> dict[str, int]:
    """Counts of what the job did, from (action, state, number of items) rows."""
    done = {"new": "added", "changed": "updated", "deleted": "deleted"}
    counts = {"added": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    for action, state, n in outcomes:
        if state == "skipped":
            counts["unchanged"] += n
        elif state == "succeeded" and action in done:
            counts[done[action]] += n
    return counts
