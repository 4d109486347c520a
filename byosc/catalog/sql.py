"""SqlCatalog: courses and documents in SQLite (embedded) or PostgreSQL (production)."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from byosc import migrations
from byosc.domain import Course, Document, RefusedFile
from byosc.errors import AlreadyExists

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Timestamps stored in UTC and read back aware (SQLite keeps no time zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


courses = sa.Table(
    "courses",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("source", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "course_id", sa.String(64), sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    ),
    sa.Column("filename", sa.String(500), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("sections", sa.Integer, nullable=False),
    sa.Column("chunks", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("source_id", sa.String(1000), nullable=True),
    sa.Column("source_checksum", sa.String(128), nullable=True),
    sa.UniqueConstraint("course_id", "content_hash"),
    sa.Index("documents_by_source", "course_id", "source_id"),
)

# Source files whose content failed to ingest, one row per file: refreshes skip the
# refused version until the file changes.
refused_files = sa.Table(
    "refused_files",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "course_id", sa.String(64), sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    ),
    sa.Column("source_id", sa.String(1000), nullable=False),
    sa.Column("filename", sa.String(1000), nullable=False),
    sa.Column("checksum", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("refused_at", UtcDateTime(), nullable=False),
)


WAL_ATTEMPTS = 100  # 5 s in all


def _use_wal(conn: Any) -> None:
    """Puts the database in WAL mode (kept in the file). Switching needs a lock that SQLite's
    busy timeout does not wait for: processes opening a new database together get "database
    is locked" at once, so the switch is tried again for a few seconds."""
    for attempt in range(WAL_ATTEMPTS):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.05)


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        # SQLite enforces foreign keys (our cascade) only when asked, per connection.
        @sa.event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            conn.execute("PRAGMA foreign_keys=ON")
            _use_wal(conn)

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def open_engine(url: str, *, upgrade: bool = True) -> sa.Engine:
    """An engine on the metadata DB at `url`, whose schema is at this release's revision.

    upgrade=True (the embedded profile: tests, the CLI, `make up`) migrates a database behind
    it, under a lock that concurrently starting processes share. upgrade=False (compose, k8s,
    single-node) never changes the schema: a database behind it raises SchemaOutOfDate,
    which names `byosc db upgrade`."""
    engine = _engine(url)
    try:
        if upgrade:
            migrations.upgrade_if_behind(engine)
        else:
            migrations.require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


class SqlCatalog:
    def __init__(self, url: str | sa.Engine, *, upgrade: bool = True) -> None:
        self.engine = open_engine(url, upgrade=upgrade) if isinstance(url, str) else url

    def create_course(self, course: Course) -> Course:
        try:
            with self.engine.begin() as conn:
                conn.execute(courses.insert().values(**course.model_dump()))
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(f"course {course.id} already exists") from exc
        return course

    def get_course(self, course_id: str) -> Course | None:
        with self.engine.connect() as conn:
            row = conn.execute(courses.select().where(courses.c.id == course_id)).first()
        return Course.model_validate(row._asdict()) if row else None

    def list_courses(self) -> list[Course]:
        with self.engine.connect() as conn:
            rows = conn.execute(courses.select().order_by(courses.c.id)).all()
        return [Course.model_validate(r._asdict()) for r in rows]

    def delete_course(self, course_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(documents.delete().where(documents.c.course_id == course_id))
            conn.execute(refused_files.delete().where(refused_files.c.course_id == course_id))
            deleted = conn.execute(courses.delete().where(courses.c.id == course_id))
        return deleted.rowcount > 0

    def put_document(self, document: Document) -> None:
        row = document.model_dump()
        row["warnings"] = json.dumps(document.warnings)
        with self.engine.begin() as conn:
            conn.execute(documents.delete().where(documents.c.id == document.id))
            conn.execute(documents.insert().values(**row))

    def find_document(self, course_id: str, content_hash: str) -> Document | None:
        query = documents.select().where(
            documents.c.course_id == course_id, documents.c.content_hash == content_hash
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _document(row) if row else None

    def find_by_source(self, course_id: str, source_id: str) -> list[Document]:
        query = documents.select().where(
            documents.c.course_id == course_id, documents.c.source_id == source_id
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_document(r) for r in rows]

    def list_documents(self, course_id: str) -> list[Document]:
        query = (
            documents.select()
            .where(documents.c.course_id == course_id)
            .order_by(documents.c.filename)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_document(r) for r in rows]

    def delete_document(self, course_id: str, document_id: str) -> bool:
        query = documents.delete().where(
            documents.c.course_id == course_id, documents.c.id == document_id
        )
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount > 0

    def put_refused(self, refused: RefusedFile) -> None:
        with self.engine.begin() as conn:
            conn.execute(refused_files.delete().where(refused_files.c.id == refused.id))
            conn.execute(refused_files.insert().values(**refused.model_dump()))

    def list_refused(self, course_id: str) -> list[RefusedFile]:
        query = (
            refused_files.select()
            .where(refused_files.c.course_id == course_id)
            .order_by(refused_files.c.filename)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [RefusedFile.model_validate(r._asdict()) for r in rows]

    def delete_refused(self, course_id: str, refused_id: str) -> bool:
        query = refused_files.delete().where(
            refused_files.c.course_id == course_id, refused_files.c.id == refused_id
        )
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount > 0

    def close(self) -> None:
        self.engine.dispose()


def _document(row: sa.Row[Any]) -> Document:
    data = row._asdict()
    data["warnings"] = json.loads(data["warnings"])
    return Document.model_validate(data)
