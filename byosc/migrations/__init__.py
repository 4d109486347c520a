"""Schema migrations of the metadata DB (catalog, jobs, keys, datasets, adapters, quizzes,
feedback, the LTI tool's registrations and keys, refresh schedules).

Alembic revisions in versions/ are the only thing that changes the schema. `byosc db
upgrade` runs them; in the embedded profile each store opening runs them too
(`upgrade_if_behind`), while the production profiles only check (`require_current`) and
refuse to start on a database behind this release.

Every run holds a lock for the whole upgrade, so processes starting together on one database
migrate it once: a PostgreSQL advisory lock, or on SQLite an exclusive lock on a file next to
the database. Each revision runs in its own transaction: one that fails leaves the database at
the revision before it.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from byosc.errors import ByoscError

HERE = Path(__file__).parent
VERSIONS = HERE / "versions"
UPGRADE_COMMAND = "byosc db upgrade"
# pg_advisory_lock key: any fixed number the other users of the database leave alone.
_PG_LOCK_KEY = 0x6279_6F73_6300  # "byosc"
# Alembic keeps its running context in module globals: one run at a time per process.
_IN_PROCESS = threading.RLock()


class SchemaOutOfDate(ByoscError):
    """The metadata DB is not at the revision this release needs."""


class MigrationFailed(ByoscError):
    """A revision failed; the database stays at the revision before it."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no revision recorded
    head: str
    made_before_migrations: bool  # tables from an older release's start-up, no revision

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


@dataclass(frozen=True)
class Change:
    before: str | None
    after: str | None
    stamped: str | None = None  # the revision an older release's database was recognised as


def metadata() -> list[sa.MetaData]:
    """Every table the stores use: what the revisions must build, column for column."""
    from byosc.auth.store import metadata as keys
    from byosc.catalog.sql import metadata as catalog
    from byosc.datasets.sql import metadata as datasets
    from byosc.feedback import store as _feedback  # noqa: F401
    from byosc.jobs import tables as _jobs  # noqa: F401  (its tables join the catalog's)
    from byosc.lti import tables as _lti  # noqa: F401  (as do the LTI tool's)
    from byosc.quiz import store as _quizzes  # noqa: F401
    from byosc.schedules import tables as _schedules  # noqa: F401
    from byosc.sources import cursors as _cursors  # noqa: F401  (source change cursors)
    from byosc.training.publishing import store as _publications  # noqa: F401
    from byosc.training.registry import metadata as adapters

    return [catalog, keys, datasets, adapters]


def config(connection: sa.Connection | None = None, version_dirs: Sequence[Path] = ()) -> Config:
    """Alembic's configuration, built here rather than read from an alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", _escape(HERE))
    cfg.set_main_option("path_separator", "os")
    dirs = [VERSIONS, *version_dirs]
    cfg.set_main_option("version_locations", os.pathsep.join(_escape(d) for d in dirs))
    cfg.attributes["connection"] = connection
    return cfg


def head(version_dirs: Sequence[Path] = ()) -> str:
    return _head(tuple(version_dirs))


def state(url: str | sa.URL, version_dirs: Sequence[Path] = ()) -> SchemaState:
    engine = migration_engine(url)
    try:
        with engine.connect() as conn:
            current = _current(conn)
            legacy = current is None and bool(_our_tables(conn, version_dirs))
        return SchemaState(current, head(version_dirs), legacy)
    finally:
        engine.dispose()


def upgrade(url: str | sa.URL, revision: str = "head", version_dirs: Sequence[Path] = ()) -> Change:
    """Upgrades to `revision`. A database an older release made without migrations is first
    recognised: stamped at the newest revision whose tables and columns it holds."""
    from byosc.migrations.legacy import matching_revision

    engine = migration_engine(url)
    try:
        with _exclusive(engine):
            with engine.connect() as conn:
                before = _current(conn)
                stamped = None
                if before is None and _our_tables(conn, version_dirs):
                    stamped = matching_revision(conn, tuple(version_dirs))
            if stamped is not None:
                _run(engine, version_dirs, lambda cfg: command.stamp(cfg, stamped))
            _run(engine, version_dirs, lambda cfg: command.upgrade(cfg, revision))
            with engine.connect() as conn:
                return Change(before, _current(conn), stamped)
    finally:
        engine.dispose()


def downgrade(url: str | sa.URL, revision: str, version_dirs: Sequence[Path] = ()) -> Change:
    """Downgrades to `revision` (an ID, `-1` for one step, `base` for an empty database)."""
    engine = migration_engine(url)
    try:
        with _exclusive(engine):
            with engine.connect() as conn:
                before = _current(conn)
            if before is None:
                raise ByoscError(
                    f"the metadata DB has no revision yet: `{UPGRADE_COMMAND}` sets one"
                )
            _run(engine, version_dirs, lambda cfg: command.downgrade(cfg, revision))
            with engine.connect() as conn:
                return Change(before, _current(conn))
    finally:
        engine.dispose()


def upgrade_if_behind(engine: sa.Engine) -> None:
    """The embedded profile's start: nothing to do (one read) when the database is at head."""
    with engine.connect() as conn:
        if _current(conn) == head():
            return
    upgrade(engine.url)


def require_current(engine: sa.Engine) -> None:
    """The production profiles' start: refuses a database that is not at this release's head,
    naming the command that brings it there."""
    with engine.connect() as conn:
        current = _current(conn)
        legacy = current is None and bool(_our_tables(conn, ()))
    wanted = head()
    if current == wanted:
        return
    if legacy:
        found = "tables made before schema migrations, with no revision"
    elif current is None:
        found = "no schema yet"
    elif not knows(current):
        raise SchemaOutOfDate(
            f"the metadata DB is at revision {current}, which this release does not know "
            f"(it needs {wanted}): a newer release migrated it; run that release, or its "
            f"`byosc db downgrade {wanted}`"
        )
    else:
        found = f"revision {current}"
    raise SchemaOutOfDate(
        f"the metadata DB has {found}; this release needs revision {wanted}. "
        f"Run `{UPGRADE_COMMAND}` (in compose the `migrate` service, in k8s the Job "
        "`byosc-migrate`) before starting the services"
    )


def migration_engine(url: str | sa.URL) -> sa.Engine:
    """An engine for migrations only. On SQLite, Python's driver commits DDL on its own; here
    the connection leaves transactions to SQLAlchemy, which starts each with BEGIN, so a
    revision's CREATE and ALTER roll back with it. Foreign keys stay unenforced (SQLite's
    default): batch mode drops and rebuilds tables that others reference."""
    url = sa.make_url(url)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, poolclass=sa.NullPool)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, poolclass=sa.NullPool, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _driver_leaves_transactions(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _run(engine: sa.Engine, version_dirs: Sequence[Path], step: Any) -> None:
    with _IN_PROCESS, engine.connect() as conn:
        try:
            step(config(conn, version_dirs))
        except CommandError as exc:
            raise ByoscError(str(exc)) from exc
        except ByoscError:
            raise
        except Exception as exc:  # whatever a revision raised: its transaction rolled back
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise MigrationFailed(f"migration failed: {type(exc).__name__}: {reason}") from exc


@contextmanager
def _exclusive(engine: sa.Engine) -> Iterator[None]:
    """One migrating process per database for the whole upgrade: the others wait, then find
    it done."""
    with _IN_PROCESS:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                    conn.commit()
            return
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _current(conn: sa.Connection) -> str | None:
    try:
        return MigrationContext.configure(conn).get_current_revision()
    finally:
        conn.rollback()  # hands the connection back outside a transaction


def _our_tables(conn: sa.Connection, version_dirs: Sequence[Path]) -> set[str]:
    from byosc.migrations.legacy import shape_at

    names = set(sa.inspect(conn).get_table_names())
    conn.rollback()
    return names & set(shape_at(_head(tuple(version_dirs)), tuple(version_dirs)))


def _escape(path: Path) -> str:
    return str(path).replace("%", "%%")  # the configuration interpolates %(name)s


@cache
def _script(version_dirs: tuple[Path, ...]) -> ScriptDirectory:
    return ScriptDirectory.from_config(config(None, version_dirs))


@cache
def _head(version_dirs: tuple[Path, ...]) -> str:
    found = _script(version_dirs).get_current_head()
    assert found is not None, "the migration history has no revisions"
    return found


def knows(revision: str, version_dirs: Sequence[Path] = ()) -> bool:
    """Whether `revision` is in this release's history (not one a newer release added)."""
    return any(s.revision == revision for s in _script(tuple(version_dirs)).walk_revisions())
