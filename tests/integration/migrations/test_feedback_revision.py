"""Revision 0003 on SQLite and PostgreSQL: the feedback and uncovered-question tables come
and go with it, and the rows of the tables before it stay."""

from __future__ import annotations

import sqlalchemy as sa

from byosc import migrations
from byosc.migrations import Change
from tests.integration.migrations.conftest import schema_of

NEW_TABLES = {"feedback", "uncovered_questions"}


def test_revision_0003_adds_the_feedback_tables_and_one_step_down_removes_only_them(
    db_url: str,
) -> None:
    migrations.upgrade(db_url, "0002")
    before = schema_of(db_url)
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO courses VALUES ('cs101', 'Intro', '{}', '2026-01-05')"))
    assert migrations.upgrade(db_url, "0003") == Change("0002", "0003")
    assert set(schema_of(db_url)) - set(before) == NEW_TABLES
    assert schema_of(db_url)["feedback"]["foreign_keys"] == [(("course_id",), "courses", "CASCADE")]
    assert migrations.downgrade(db_url, "0002") == Change("0003", "0002")
    assert schema_of(db_url) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM courses")).scalar_one() == "Intro"
    engine.dispose()
