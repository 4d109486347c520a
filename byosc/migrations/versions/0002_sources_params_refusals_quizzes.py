"""Documents remember their source file (source_id, source_checksum), jobs their params and
progress figures; refused source files and quizzes get their tables.

Like 0001, it adds only what is missing: a database the start-up code of an earlier release
made may already hold any of it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from byosc.migrations import present

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _new_columns() -> dict[str, tuple[sa.Column[object], ...]]:
    # Built anew on each run: a Column belongs to the one table it was added to.
    return {
        "documents": (
            sa.Column("source_id", sa.String(1000), nullable=True),
            sa.Column("source_checksum", sa.String(128), nullable=True),
        ),
        "jobs": (
            sa.Column("params", sa.Text, nullable=True),
            sa.Column("figures", sa.Text, nullable=True),
        ),
    }


def _course_id(nullable: bool) -> sa.Column[object]:
    course = sa.ForeignKey("courses.id", ondelete="CASCADE")
    return sa.Column("course_id", sa.String(64), course, nullable=nullable)


def upgrade() -> None:
    for table, new in _new_columns().items():
        missing = [c for c in new if c.name not in present.columns(table)]
        if missing:
            # Batch mode: SQLite adds a column with its own ALTER, PostgreSQL as usual.
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(column)
    if "documents_by_source" not in present.indexes("documents"):
        op.create_index("documents_by_source", "documents", ["course_id", "source_id"])
    have = present.tables()
    if "refused_files" not in have:
        op.create_table(
            "refused_files",
            sa.Column("id", sa.String(64), primary_key=True),
            _course_id(nullable=True),
            sa.Column("source_id", sa.String(1000), nullable=False),
            sa.Column("filename", sa.String(1000), nullable=False),
            sa.Column("checksum", sa.String(128), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        )
        op.create_index("ix_refused_files_course_id", "refused_files", ["course_id"])
    if "quizzes" not in have:
        op.create_table(
            "quizzes",
            sa.Column("id", sa.String(64), primary_key=True),
            _course_id(nullable=False),
            sa.Column("topic", sa.String(200), nullable=True),
            sa.Column("questions", sa.JSON, nullable=False),
            sa.Column("note", sa.Text, nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("score", sa.Float, nullable=True),
            sa.Column("max_score", sa.Integer, nullable=True),
            sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        )
        op.create_index("ix_quizzes_course_id", "quizzes", ["course_id"])


def downgrade() -> None:
    op.drop_table("quizzes")
    op.drop_table("refused_files")
    op.drop_index("documents_by_source", table_name="documents")
    for table, new in _new_columns().items():
        # On SQLite batch mode copies the table without the columns (indexes, partial ones
        # included, and foreign keys are reflected and rebuilt).
        with op.batch_alter_table(table) as batch:
            for column in reversed(new):
                batch.drop_column(column.name)
