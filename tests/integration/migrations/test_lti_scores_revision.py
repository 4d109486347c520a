"""Revision 0005 on SQLite and PostgreSQL: the score outbox comes and goes with it, tied to
its course, and the rows of the tables before it stay."""

from __future__ import annotations

import sqlalchemy as sa

from byosc import migrations
from byosc.migrations import Change
from tests.integration.migrations.conftest import schema_of


def test_revision_0005_adds_the_score_outbox_and_one_step_down_removes_only_it(
    db_url: str,
) -> None:
    migrations.upgrade(db_url, "0004")
    before = schema_of(db_url)
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO courses VALUES ('cs101', 'Intro', '{}', '2026-01-05')"))
    assert migrations.upgrade(db_url, "0005") == Change("0004", "0005")
    after = schema_of(db_url)
    assert set(after) - set(before) == {"lti_score_outbox"}
    outbox = after["lti_score_outbox"]
    assert outbox["foreign_keys"] == [(("course_id",), "courses", "CASCADE")]
    assert outbox["primary_key"] == ["quiz_id"]
    assert migrations.downgrade(db_url, "0004") == Change("0005", "0004")
    assert schema_of(db_url) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM courses")).scalar_one() == "Intro"
    engine.dispose()
