"""Revision 0006 on SQLite and PostgreSQL: the refresh schedules come and go with it, tied
to their course, and the rows of the tables before it stay."""

from __future__ import annotations

import sqlalchemy as sa

from byosc import migrations
from byosc.migrations import Change
from tests.integration.migrations.conftest import schema_of


def test_revision_0006_adds_the_refresh_schedules_and_one_step_down_removes_only_them(
    db_url: str,
) -> None:
    migrations.upgrade(db_url, "0005")
    before = schema_of(db_url)
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO courses VALUES ('cs101', 'Intro', '{}', '2026-01-05')"))
    assert migrations.upgrade(db_url, "0006") == Change("0005", "0006")
    after = schema_of(db_url)
    assert set(after) - set(before) == {"course_refresh_schedules"}
    schedules = after["course_refresh_schedules"]
    assert schedules["foreign_keys"] == [(("course_id",), "courses", "CASCADE")]
    assert schedules["primary_key"] == ["course_id"]
    assert [i[:2] for i in schedules["indexes"]] == [
        ("ix_course_refresh_schedules_next_run_at", ("next_run_at",))
    ]
    assert migrations.downgrade(db_url, "0005") == Change("0006", "0005")
    assert schema_of(db_url) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM courses")).scalar_one() == "Intro"
    engine.dispose()
