"""Revision 0007: the source cursors come and go with it, tied to their course, and the rows
of the tables before it stay. On SQLite only: test_upgrades runs 0007 up and down on
PostgreSQL too (from empty to head, and head down to the first release)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from byosc import migrations
from byosc.migrations import Change
from tests.integration.migrations.conftest import schema_of


def test_revision_0007_adds_the_source_cursors_and_one_step_down_removes_only_them(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'byosc.db'}"
    migrations.upgrade(db_url, "0006")
    before = schema_of(db_url)
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO courses VALUES ('cs101', 'Intro', '{}', '2026-01-05')"))
    assert migrations.upgrade(db_url, "0007") == Change("0006", "0007")
    after = schema_of(db_url)
    assert set(after) - set(before) == {"source_cursors"}
    cursors = after["source_cursors"]
    assert cursors["foreign_keys"] == [(("course_id",), "courses", "CASCADE")]
    assert cursors["primary_key"] == ["course_id"]
    assert migrations.downgrade(db_url, "0006") == Change("0007", "0006")
    assert schema_of(db_url) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM courses")).scalar_one() == "Intro"
    engine.dispose()
