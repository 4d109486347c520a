"""Revision 0004 on SQLite and PostgreSQL: the LTI tool's tables come and go with it, and
the rows of the tables before it stay."""

from __future__ import annotations

import sqlalchemy as sa

from byosc import migrations
from byosc.migrations import Change
from tests.integration.migrations.conftest import schema_of

NEW_TABLES = {"lti_platforms", "lti_context_links", "lti_launch_states", "lti_tool_keys"}


def test_revision_0004_adds_the_lti_tables_and_one_step_down_removes_only_them(
    db_url: str,
) -> None:
    migrations.upgrade(db_url, "0003")
    before = schema_of(db_url)
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO courses VALUES ('cs101', 'Intro', '{}', '2026-01-05')"))
    assert migrations.upgrade(db_url, "0004") == Change("0003", "0004")
    after = schema_of(db_url)
    assert set(after) - set(before) == NEW_TABLES
    links = after["lti_context_links"]
    assert links["foreign_keys"] == [(("course_id",), "courses", "CASCADE")]
    assert links["primary_key"] == ["issuer", "deployment_id", "context_id"]
    assert after["lti_platforms"]["unique"] == [("issuer", "client_id")]
    assert migrations.downgrade(db_url, "0003") == Change("0004", "0003")
    assert schema_of(db_url) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM courses")).scalar_one() == "Intro"
    engine.dispose()
