"""Recognising a database an older release made at start-up (create_all, no revision): the
revision whose tables and columns it holds, found by building each revision's schema in an
in-memory SQLite database and comparing names."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from byosc import migrations

Shape = dict[str, frozenset[str]]


@cache
def shape_at(revision: str, version_dirs: tuple[Path, ...] = ()) -> Shape:
    """Table name -> column names of the schema at `revision`."""
    engine = migrations.migration_engine("sqlite://")
    try:
        with migrations._IN_PROCESS, engine.connect() as conn:
            command.upgrade(migrations.config(conn, version_dirs), revision)
            return _shape(conn)
    finally:
        engine.dispose()


def matching_revision(conn: sa.Connection, version_dirs: tuple[Path, ...]) -> str | None:
    """The newest revision all of whose tables and columns the database holds; None when it
    lacks some of even the first revision's (a store that never opened made no tables): the
    revisions then add what is missing, as they only create what is not there."""
    found = _shape(conn)
    script = migrations._script(version_dirs)
    for step in script.walk_revisions():  # newest first
        wanted = shape_at(step.revision, version_dirs)
        if all(columns <= found.get(table, frozenset()) for table, columns in wanted.items()):
            return step.revision
    return None


def _shape(conn: sa.Connection) -> Shape:
    inspector = sa.inspect(conn)
    names = [t for t in inspector.get_table_names() if t != "alembic_version"]
    shape = {t: frozenset(c["name"] for c in inspector.get_columns(t)) for t in names}
    conn.rollback()
    return shape
