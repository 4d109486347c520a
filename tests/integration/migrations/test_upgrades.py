"""Schema migrations on SQLite and PostgreSQL: from an empty database, from the first
release's schema with rows in it, one step down, and from databases the start-up code of
earlier releases made (create_all, no revision recorded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from byosc import migrations
from byosc.auth.store import SqlKeyStore
from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.jobs.sql import SqlJobStore
from byosc.migrations import Change
from tests.integration.migrations.conftest import schema_of

HEAD = migrations.head()
NOW = "2026-01-05 10:00:00+00:00"

# One row in each table of the first release, in that release's columns.
FIRST_RELEASE_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "INSERT INTO courses (id, name, source, created_at) VALUES ('cs101', 'Intro', :src, :t)",
        {"src": '{"kind": "upload"}'},
    ),
    (
        "INSERT INTO documents (id, course_id, filename, title, content_hash, media_type, "
        "sections, chunks, warnings, created_at) VALUES ('d1', 'cs101', 'a.pdf', 'A', 'h1', "
        "'application/pdf', 2, 5, '[]', :t)",
        {},
    ),
    (
        "INSERT INTO jobs (id, course_id, kind, state, step, planned, total, done, failed, "
        "attempts, created_at, updated_at) VALUES ('j1', 'cs101', 'refresh', 'succeeded', "
        "'done', :yes, 1, 1, 0, 1, :t, :t)",
        {"yes": True},
    ),
    (
        "INSERT INTO job_items (id, job_id, position, source_id, filename, action, queue, "
        "state, step, attempts, chunks, timings) VALUES ('i1', 'j1', 0, 'a.pdf', 'a.pdf', "
        "'new', 'cpu', 'succeeded', '', 1, 5, '{}')",
        {},
    ),
    (
        "INSERT INTO api_keys (id, name, role, courses, secret_sha256, created_at) "
        "VALUES ('k1', 'ops', 'admin', '[]', :sha, :t)",
        {"sha": "0" * 64},
    ),
    (
        "INSERT INTO adapters (name, course_id, version, state, dataset_version, base_model, "
        "base_model_sha256, hyperparameters, uri, created_at) VALUES ('cs101-v1', 'cs101', 1, "
        "'candidate', 1, 'base', :sha, '{}', 'file:///a', :t)",
        {"sha": "0" * 64},
    ),
    (
        "INSERT INTO dataset_versions (course_id, version, created_at, pairs, splits, "
        "documents, report) VALUES ('cs101', 1, :t, 1, '{}', '[]', '{}')",
        {},
    ),
    (
        "INSERT INTO instruction_pairs (course_id, version, id, split, document_id, chunk_id, "
        "filename, task, question, answer, generator) VALUES ('cs101', 1, 'p1', 'train', 'd1', "
        "'d1:0', 'a.pdf', 'qa', 'Why?', 'Because.', 'extractive')",
        {},
    ),
]
FIRST_RELEASE_TABLES = [
    "courses",
    "documents",
    "jobs",
    "job_items",
    "api_keys",
    "adapters",
    "dataset_versions",
    "instruction_pairs",
]


def differences(url: str, declared: list[sa.MetaData] | None = None) -> list[Any]:
    """What autogenerate would change to make the database match the stores' tables."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        found = list(compare_metadata(context, declared or migrations.metadata()))
    engine.dispose()
    return found


def insert_first_release_rows(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        for sql, params in FIRST_RELEASE_ROWS:
            conn.execute(sa.text(sql), {"t": NOW, **params})
    engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in FIRST_RELEASE_TABLES
        }
    engine.dispose()
    return counts


def test_upgrade_from_empty_builds_exactly_the_stores_tables(db_url: str) -> None:
    assert migrations.upgrade(db_url) == Change(None, HEAD)
    assert differences(db_url) == []
    assert migrations.state(db_url).up_to_date


def test_a_column_a_store_declares_without_a_revision_is_a_difference(tmp_path: Path) -> None:
    # The check above holds the stores and the revisions together: a column added to a
    # table but to no revision shows up.
    url = f"sqlite:///{tmp_path / 'byosc.db'}"
    migrations.upgrade(url)
    declared = sa.MetaData()
    for tables in migrations.metadata():
        for table in tables.tables.values():
            table.to_metadata(declared)
    declared.tables["courses"].append_column(sa.Column("colour", sa.String(20)))
    [(change, _, table, column)] = differences(url, [declared])
    assert (change, table, column.name) == ("add_column", "courses", "colour")


def test_upgrade_from_the_first_release_keeps_every_row(db_url: str) -> None:
    assert migrations.upgrade(db_url, "0001") == Change(None, "0001")
    insert_first_release_rows(db_url)
    assert migrations.upgrade(db_url) == Change("0001", HEAD)
    assert differences(db_url) == []
    assert set(row_counts(db_url).values()) == {1}
    # Today's stores read the old rows, with the columns added since empty.
    engine = open_engine(db_url)
    [document] = SqlCatalog(engine).list_documents("cs101")
    assert (document.id, document.chunks, document.source_id) == ("d1", 5, None)
    job = SqlJobStore(engine).get("j1")
    assert job is not None and job.params == {} and [i.id for i in job.items] == ["i1"]
    assert [k.id for k in SqlKeyStore(engine).list()] == ["k1"]
    assert SqlCatalog(engine).list_refused("cs101") == []
    engine.dispose()


def test_downgrade_to_the_first_release_restores_its_schema_and_rows(db_url: str) -> None:
    migrations.upgrade(db_url, "0001")
    first_release = schema_of(db_url)
    insert_first_release_rows(db_url)
    migrations.upgrade(db_url)
    assert migrations.downgrade(db_url, "0001") == Change(HEAD, "0001")
    # Columns, keys and indexes as 0001 built them: SQLite's batch copy of documents and
    # jobs keeps the partial unique index and the cascades.
    assert schema_of(db_url) == first_release
    assert set(row_counts(db_url).values()) == {1}
    assert migrations.upgrade(db_url) == Change("0001", HEAD)
    assert differences(db_url) == []


def test_a_database_the_previous_start_up_made_is_stamped_at_head(db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    for tables in migrations.metadata():
        tables.create_all(engine)
    engine.dispose()
    assert migrations.state(db_url).made_before_migrations
    assert migrations.upgrade(db_url) == Change(None, HEAD, stamped=HEAD)
    assert differences(db_url) == []


def test_a_first_release_database_without_a_revision_is_stamped_and_upgraded(
    db_url: str,
) -> None:
    migrations.upgrade(db_url, "0001")
    insert_first_release_rows(db_url)
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))  # as create_all left it
    engine.dispose()
    assert migrations.upgrade(db_url) == Change(None, HEAD, stamped="0001")
    assert differences(db_url) == []
    assert set(row_counts(db_url).values()) == {1}


def test_a_database_where_only_some_stores_opened_gains_the_missing_tables(db_url: str) -> None:
    # The previous start-up created a store's tables when the store opened: here only the
    # catalog had, so the key, adapter, dataset and job tables are missing.
    catalog = migrations.metadata()[0]
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    catalog.create_all(engine, tables=[catalog.tables["courses"], catalog.tables["documents"]])
    engine.dispose()
    assert migrations.upgrade(db_url) == Change(None, HEAD, stamped=None)
    assert differences(db_url) == []
