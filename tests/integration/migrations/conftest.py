"""A fresh metadata DB per test: an SQLite file, or a PostgreSQL database of its own
(migrations take database-wide locks and create the version table, so no shared schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

SERVER = os.environ.get(
    "BYOSC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_database_url() -> Iterator[str]:
    name = f"byosc_mig_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield sa.make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'byosc.db'}"
    return str(request.getfixturevalue("postgres_database_url"))


def schema_of(url: str) -> dict[str, Any]:
    """Tables with their columns, keys and indexes (partial ones' conditions included), as
    the database reports them; the version table left out."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    inspector = sa.inspect(engine)
    schema = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        indexes = [
            (i["name"], tuple(i["column_names"]), bool(i["unique"]), _where(i))
            for i in inspector.get_indexes(table)
        ]
        keys = [
            (tuple(k["constrained_columns"]), k["referred_table"], k["options"].get("ondelete"))
            for k in inspector.get_foreign_keys(table)
        ]
        schema[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(keys, key=str),
            "indexes": sorted(indexes, key=str),
        }
    engine.dispose()
    return schema


def _where(index: dict[str, Any]) -> str | None:
    options = index.get("dialect_options", {})
    where = options.get("sqlite_where", options.get("postgresql_where"))
    return None if where is None else str(where)
