"""An archive's rows into the configured metadata DB (SQLite or PostgreSQL, whichever the
backup came from).

The target's schema is first brought to the archive's revision by the migrations, so the
rows fit its columns as they are; all rows go in in one transaction, in the archive's order
(the tables sorted by their foreign keys); then the migrations bring the database to this
release's head, as they would any database of that revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from byosc import migrations
from byosc.backup.db_dump import VERSION_TABLE
from byosc.backup.manifest import BackupRefused
from byosc.backup.rows import read_table
from byosc.domain import ACTIVE_JOB_STATES

_BATCH = 1000
INTERRUPTED = (
    "interrupted: the backup this stack was restored from was taken while the job ran, "
    "and a restore does not resume jobs; start it again"
)


def _engine(url: str) -> sa.Engine | None:
    """An engine on the database, or None for an SQLite file that does not exist (yet)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return None
    return sa.create_engine(parsed, poolclass=sa.NullPool)


def rows_present(url: str) -> tuple[dict[str, int], list[str]]:
    """Rows per table holding any, and the course IDs: what a restore would overwrite."""
    engine = _engine(url)
    if engine is None:
        return {}, []
    try:
        with engine.connect() as conn:
            tables = _reflect(conn)
            counts = {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for name, t in tables.items()
            }
            courses = tables.get("courses")
            ids = [] if courses is None else list(conn.execute(sa.select(courses.c.id)).scalars())
    finally:
        engine.dispose()
    return {name: n for name, n in counts.items() if n}, sorted(ids)


def clear_rows(url: str) -> None:
    """Deletes every row of every table but the schema revision (a forced restore)."""
    engine = _engine(url)
    if engine is None:
        return
    try:
        with engine.begin() as conn:
            for table in reversed(list(_reflect(conn).values())):
                conn.execute(table.delete())
    finally:
        engine.dispose()


def prepare_schema(url: str, revision: str) -> None:
    """Brings the (emptied) target to the archive's revision, up or down."""
    current = migrations.state(url).current
    if current == revision:
        return
    script = ScriptDirectory.from_config(migrations.config())
    earlier = {s.revision for s in script.iterate_revisions(revision, "base")}
    if current is None or current in earlier:
        migrations.upgrade(url, revision)
    else:
        migrations.downgrade(url, revision)


@dataclass(frozen=True)
class RowFixes:
    """What changes between the stack backed up and the one restored."""

    taken_at: datetime
    old_artifacts_uri: str | None = None
    new_artifacts_uri: str | None = None

    def apply(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        if table == "adapters" and self.old_artifacts_uri and self.new_artifacts_uri:
            uri, old = row["uri"], f"{self.old_artifacts_uri}/"
            if isinstance(uri, str) and uri.startswith(old):
                row["uri"] = f"{self.new_artifacts_uri}/{uri.removeprefix(old)}"
        if table == "jobs" and row.get("state") in ACTIVE_JOB_STATES:
            # No worker will run it: its queue message is not in the backup.
            ended = self.taken_at
            row.update(state="failed", error=INTERRUPTED, finished_at=ended, updated_at=ended)
        return row


class RowLoader:
    """Loads table files in one transaction; nothing is kept unless `commit` is reached."""

    def __init__(self, url: str, fixes: RowFixes) -> None:
        self.engine = sa.create_engine(sa.make_url(url), poolclass=sa.NullPool)
        self.fixes = fixes
        self.loaded: dict[str, int] = {}
        self._conn = self.engine.connect()
        self._tx = self._conn.begin()
        self._tables = _reflect(self._conn)

    def load(self, member: str, lines: IO[bytes]) -> None:
        header, rows = read_table(lines, member)
        table = self._tables.get(header.table)
        if table is None:
            raise BackupRefused(f"{member}: the metadata DB has no table {header.table}")
        wanted = {c.name for c in table.columns}
        if set(header.columns) != wanted:
            raise BackupRefused(
                f"{member}: columns {sorted(header.columns)} do not match the table's "
                f"{sorted(wanted)} at the archive's schema revision"
            )
        count, batch = 0, []
        for row in rows:
            batch.append(self.fixes.apply(header.table, row))
            if len(batch) == _BATCH:
                self._conn.execute(table.insert(), batch)
                count, batch = count + len(batch), []
        if batch:
            self._conn.execute(table.insert(), batch)
        self.loaded[header.table] = count + len(batch)

    def commit(self) -> None:
        self._tx.commit()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._tx.is_active:
            self._tx.rollback()
        self._conn.close()
        self.engine.dispose()


def _reflect(conn: sa.Connection) -> dict[str, sa.Table]:
    """The database's tables, the schema revision's left out, sorted by foreign keys."""
    tables = sa.MetaData()
    tables.reflect(bind=conn)
    return {t.name: t for t in tables.sorted_tables if t.name != VERSION_TABLE}
