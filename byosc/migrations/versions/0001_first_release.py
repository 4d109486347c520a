"""The schema of the first release: courses and documents, jobs, API keys, adapters and
instruction datasets.

Each table is created only where it is missing: the start-up code of that release created a
store's tables when the store first opened, so a database it made may hold some of them.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ACTIVE_JOB = sa.text("state IN ('queued', 'running')")
ACTIVE_ADAPTER = sa.text("state = 'active'")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _course_id(nullable: bool = True) -> sa.Column[object]:
    course = sa.ForeignKey("courses.id", ondelete="CASCADE")
    return sa.Column("course_id", sa.String(64), course, nullable=nullable)


def upgrade() -> None:
    have = present.tables()
    if "courses" not in have:
        op.create_table(
            "courses",
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("source", sa.JSON, nullable=False),
            _time("created_at"),
        )
    if "documents" not in have:
        _documents()
    if "jobs" not in have:
        _jobs()
    if "job_items" not in have:
        _job_items()
    if "api_keys" not in have:
        op.create_table(
            "api_keys",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("courses", sa.JSON, nullable=False),
            sa.Column("secret_sha256", sa.String(64), nullable=False),
            _time("created_at"),
            _time("revoked_at", nullable=True),
        )
    if "adapters" not in have:
        _adapters()
    if "dataset_versions" not in have:
        _dataset_versions()
    if "instruction_pairs" not in have:
        _instruction_pairs()


def _documents() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True),
        _course_id(),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("sections", sa.Integer, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        _time("created_at"),
        sa.UniqueConstraint("course_id", "content_hash"),
    )
    op.create_index("ix_documents_course_id", "documents", ["course_id"])


def _jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        _course_id(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", sa.String(200), nullable=False),
        sa.Column("planned", sa.Boolean, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        _time("created_at"),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
        _time("updated_at"),
    )
    op.create_index("ix_jobs_course_id", "jobs", ["course_id"])
    op.create_index(
        "one_active_job_per_course",
        "jobs",
        ["course_id", "kind"],
        unique=True,
        sqlite_where=ACTIVE_JOB,
        postgresql_where=ACTIVE_JOB,
    )


def _job_items() -> None:
    op.create_table(
        "job_items",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE")),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("source_id", sa.String(1000), nullable=False),
        sa.Column("filename", sa.String(1000), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("document_id", sa.String(64), nullable=True),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("timings", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=True),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
    )
    op.create_index("ix_job_items_job_id", "job_items", ["job_id"])


def _adapters() -> None:
    op.create_table(
        "adapters",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("dataset_version", sa.Integer, nullable=False),
        sa.Column("base_model", sa.String(500), nullable=False),
        sa.Column("base_model_sha256", sa.String(64), nullable=False),
        sa.Column("hyperparameters", sa.JSON, nullable=False),
        sa.Column("training", sa.JSON, nullable=True),
        sa.Column("evaluation", sa.JSON, nullable=True),
        sa.Column("uri", sa.Text, nullable=False),
        _time("created_at"),
        _time("promoted_at", nullable=True),
        sa.Column("replaced", sa.String(200), nullable=True),
        sa.UniqueConstraint("course_id", "version"),
    )
    op.create_index("ix_adapters_course_id", "adapters", ["course_id"])
    op.create_index(
        "one_active_adapter_per_course",
        "adapters",
        ["course_id"],
        unique=True,
        sqlite_where=ACTIVE_ADAPTER,
        postgresql_where=ACTIVE_ADAPTER,
    )


def _dataset_versions() -> None:
    op.create_table(
        "dataset_versions",
        sa.Column("course_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("parent", sa.Integer, nullable=True),
        _time("created_at"),
        sa.Column("pairs", sa.Integer, nullable=False),
        sa.Column("splits", sa.JSON, nullable=False),
        sa.Column("documents", sa.JSON, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
    )


def _instruction_pairs() -> None:
    op.create_table(
        "instruction_pairs",
        sa.Column("course_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("split", sa.String(16), nullable=False),
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("chunk_id", sa.String(128), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("start_s", sa.Float, nullable=True),
        sa.Column("end_s", sa.Float, nullable=True),
        sa.Column("task", sa.String(20), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("generator", sa.String(20), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id", "version"],
            ["dataset_versions.course_id", "dataset_versions.version"],
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "instruction_pairs_by_split", "instruction_pairs", ["course_id", "version", "split"]
    )


def downgrade() -> None:
    for table in (
        "instruction_pairs",
        "dataset_versions",
        "adapters",
        "api_keys",
        "job_items",
        "jobs",
        "documents",
        "courses",
    ):
        op.drop_table(table)
