"""A consistent snapshot of the metadata DB, written as one JSON-lines file per table.

SQLite: sqlite3's online backup API copies the database as of one moment (writers wait or
the copy restarts), and the rows are read from that copy. PostgreSQL: every table is read
in one REPEATABLE READ, read-only transaction, so all of them show the same snapshot while
the services go on writing. Both give the same files, so a backup of one restores into the
other; no pg_dump is needed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from byosc.backup.manifest import BackupRefused
from byosc.backup.rows import header_of, write_header, write_row

VERSION_TABLE = "alembic_version"


@dataclass
class DbSnapshot:
    dialect: str
    revision: str
    tables: dict[str, int] = field(default_factory=dict)  # rows per table
    files: dict[str, Path] = field(default_factory=dict)  # archive member -> staged file
    # (course_id, document_id) -> chunks the document claims: what the index must hold.
    documents: dict[tuple[str, str], int] = field(default_factory=dict)
    adapter_uris: dict[str, str] = field(default_factory=dict)  # adapter name -> uri


def dump_database(url: str, staging: Path) -> DbSnapshot:
    staging.mkdir(parents=True, exist_ok=True)
    with _snapshot_connection(sa.make_url(url), staging) as conn:
        snapshot = DbSnapshot(conn.dialect.name, _revision(conn))
        tables = sa.MetaData()
        tables.reflect(bind=conn)
        for table in tables.sorted_tables:
            if table.name != VERSION_TABLE:
                _dump_table(conn, table, staging, snapshot)
    return snapshot


@contextmanager
def _snapshot_connection(url: sa.URL, staging: Path) -> Iterator[sa.Connection]:
    if url.get_backend_name() == "sqlite":
        copy = staging / "snapshot.sqlite"
        _sqlite_copy(url, copy)
        engine = sa.create_engine(f"sqlite:///{copy}", poolclass=sa.NullPool)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()
            copy.unlink(missing_ok=True)
        return
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            snapshot = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with snapshot.begin():
                yield snapshot
    finally:
        engine.dispose()


def _sqlite_copy(url: sa.URL, copy: Path) -> None:
    database = url.database
    if not database or database == ":memory:" or not Path(database).is_file():
        raise BackupRefused(f"there is no metadata DB at {database}: nothing to back up")
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _revision(conn: sa.Connection) -> str:
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        raise BackupRefused(
            "the metadata DB has no schema revision: run `byosc db upgrade` before backing up"
        )
    revisions = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(revisions) != 1:
        raise BackupRefused(f"the metadata DB records {len(revisions)} schema revisions, not one")
    return str(revisions[0])


def _dump_table(conn: sa.Connection, table: sa.Table, staging: Path, snapshot: DbSnapshot) -> None:
    header = header_of(table)
    member = f"db/{table.name}.jsonl"
    path = staging / member
    path.parent.mkdir(parents=True, exist_ok=True)
    query = sa.select(table).order_by(*table.primary_key.columns)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        write_header(out, header)
        for row in conn.execution_options(yield_per=1000).execute(query):
            write_row(out, header, row)
            _note(table.name, row._mapping, snapshot)
            rows += 1
    snapshot.tables[table.name] = rows
    snapshot.files[member] = path


def _note(table: str, row: Any, snapshot: DbSnapshot) -> None:
    """Keeps what the other parts of the backup are checked against."""
    if table == "documents":
        snapshot.documents[(row["course_id"], row["id"])] = int(row["chunks"])
    elif table == "adapters":
        snapshot.adapter_uris[row["name"]] = row["uri"]
