"""SqlDatasetStore: dataset versions and their pairs in the metadata DB.

A version and all its pairs are written in one transaction, and the (course, version)
primary key makes a version immutable: a second writer of the same version fails in the
database, however the two race.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime
from byosc.datasets import check_pairs
from byosc.domain import SPLITS, DatasetVersion, InstructionPair, Split
from byosc.errors import AlreadyExists

metadata = sa.MetaData()

dataset_versions = sa.Table(
    "dataset_versions",
    metadata,
    sa.Column("course_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("parent", sa.Integer, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("pairs", sa.Integer, nullable=False),
    sa.Column("splits", sa.JSON, nullable=False),
    sa.Column("documents", sa.JSON, nullable=False),
    sa.Column("report", sa.JSON, nullable=False),
)

instruction_pairs = sa.Table(
    "instruction_pairs",
    metadata,
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
    sa.Index("instruction_pairs_by_split", "course_id", "version", "split"),
)

_SPLIT_ORDER = sa.case({s: n for n, s in enumerate(SPLITS)}, value=instruction_pairs.c.split)


class SqlDatasetStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def write_version(
        self, version: DatasetVersion, pairs: Sequence[InstructionPair]
    ) -> DatasetVersion:
        check_pairs(version, pairs)
        try:
            with self.engine.begin() as conn:
                conn.execute(dataset_versions.insert().values(**_version_row(version)))
                if pairs:
                    rows = [p.model_dump() | {"version": version.version} for p in pairs]
                    conn.execute(instruction_pairs.insert(), rows)
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(
                f"version {version.version} of {version.course_id} already exists; "
                "a written version never changes"
            ) from exc
        return version

    def list_versions(self, course_id: str) -> list[DatasetVersion]:
        query = (
            dataset_versions.select()
            .where(dataset_versions.c.course_id == course_id)
            .order_by(dataset_versions.c.version.desc())
        )
        with self.engine.connect() as conn:
            return [_version(r) for r in conn.execute(query).all()]

    def get_version(self, course_id: str, version: int) -> DatasetVersion | None:
        query = dataset_versions.select().where(
            dataset_versions.c.course_id == course_id, dataset_versions.c.version == version
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _version(row) if row else None

    def pairs(
        self, course_id: str, version: int, split: Split | None = None
    ) -> list[InstructionPair]:
        query = instruction_pairs.select().where(
            instruction_pairs.c.course_id == course_id, instruction_pairs.c.version == version
        )
        if split is not None:
            query = query.where(instruction_pairs.c.split == split)
        query = query.order_by(_SPLIT_ORDER, instruction_pairs.c.id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [InstructionPair.model_validate(r._asdict()) for r in rows]

    def delete_course(self, course_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                instruction_pairs.delete().where(instruction_pairs.c.course_id == course_id)
            )
            conn.execute(dataset_versions.delete().where(dataset_versions.c.course_id == course_id))

    def close(self) -> None:
        self.engine.dispose()


def _version_row(version: DatasetVersion) -> dict[str, Any]:
    row = version.model_dump(mode="json", exclude={"created_at"})
    row["created_at"] = version.created_at
    return row


def _version(row: sa.Row[Any]) -> DatasetVersion:
    return DatasetVersion.model_validate(row._asdict())
