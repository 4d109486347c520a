"""What a start does with the schema: the embedded profile migrates (processes starting
together migrate once), the production profiles refuse a database behind this release and
name the command; a revision that fails leaves the one before it; `byosc db`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from byosc import migrations
from byosc.bootstrap import open_catalog
from byosc.catalog.sql import open_engine
from byosc.migrations import MigrationFailed, SchemaOutOfDate
from byosc.settings import Settings
from cli.main import app as cli
from services.gateway.app import create_app
from tests.integration.migrations.test_upgrades import differences

HEAD = migrations.head()
# The revision one step below head: `downgrade -1` lands there whichever revision is newest.
BEFORE_HEAD = ScriptDirectory.from_config(migrations.config()).get_revision(HEAD).down_revision
STARTERS = 4

# Started after the barrier: every process reads "no revision" at about the same time.
START = """
import pathlib, sys, time
folder, url, n = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
from byosc.catalog.sql import open_engine
(folder / f"ready-{sys.argv[4]}").touch()
while len(list(folder.glob("ready-*"))) < n:
    time.sleep(0.01)
open_engine(url).dispose()
"""

FAILING_REVISION = f'''
import sqlalchemy as sa
from alembic import op

revision = "failing"
down_revision = "{HEAD}"


def upgrade():
    op.add_column("courses", sa.Column("colour", sa.String(20), nullable=True))
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("UPDATE courses SET name = 'renamed'")
    raise RuntimeError("deliberate failure halfway through the revision")


def downgrade():
    pass
'''


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_processes_starting_together_on_a_new_database_migrate_it_once(
    db_url: str, tmp_path: Path
) -> None:
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", START, str(tmp_path), db_url, str(STARTERS), str(n)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(STARTERS)
    ]
    for starter in starters:
        _, errors = starter.communicate(timeout=180)
        assert starter.returncode == 0, errors
    assert migrations.state(db_url).current == HEAD
    assert differences(db_url) == []


def test_a_production_start_refuses_a_schema_behind_and_names_the_command(db_url: str) -> None:
    migrations.upgrade(db_url, "0001")
    with pytest.raises(SchemaOutOfDate, match=r"revision 0001.*`byosc db upgrade`"):
        open_engine(db_url, upgrade=False)
    assert migrations.state(db_url).current == "0001"  # the refusing start changed nothing
    assert "quizzes" not in tables(db_url)
    migrations.upgrade(db_url)
    open_engine(db_url, upgrade=False).dispose()  # at head it starts


def test_a_production_start_refuses_an_empty_or_older_releases_database(db_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match=r"no schema yet.*`byosc db upgrade`"):
        open_engine(db_url, upgrade=False)
    assert tables(db_url) == set()
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    migrations.metadata()[0].create_all(engine)  # as an older release's start-up did
    engine.dispose()
    with pytest.raises(SchemaOutOfDate, match=r"before schema migrations.*`byosc db upgrade`"):
        open_engine(db_url, upgrade=False)


def test_compose_services_refuse_to_start_and_embedded_ones_migrate(
    postgres_database_url: str,
) -> None:
    database = {"url": postgres_database_url}
    compose = Settings(profile="compose", index={"kind": "qdrant"}, database=database)  # type: ignore[arg-type]
    with pytest.raises(SchemaOutOfDate, match="byosc db upgrade"):
        open_catalog(compose)
    with pytest.raises(SchemaOutOfDate, match="byosc db upgrade"), TestClient(create_app(compose)):
        pass  # the gateway's start stops here
    assert tables(postgres_database_url) == set()
    open_catalog(Settings(database=database)).close()  # type: ignore[arg-type]
    assert migrations.state(postgres_database_url).current == HEAD
    open_catalog(compose).close()


def test_a_failing_revision_leaves_the_schema_at_the_one_before(
    db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "failing.py").write_text(FAILING_REVISION)
    migrations.upgrade(db_url, "0001")
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO courses VALUES ('cs101', 'Intro', '{}', '2026-01-05')"))
    with pytest.raises(MigrationFailed, match="deliberate failure"):
        migrations.upgrade(db_url, version_dirs=[tmp_path])
    # The revisions before it committed; its column, table and update rolled back with it.
    assert migrations.state(db_url).current == HEAD
    assert "half_done" not in tables(db_url)
    assert differences(db_url) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM courses")).scalar_one() == "Intro"
    engine.dispose()


def test_the_db_commands_upgrade_report_and_downgrade(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYOSC_DATABASE__URL", db_url)

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["db", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert json.loads(run("current", "--json"))["current"] is None
    assert "upgraded from revision none (empty) to 0001" in run("upgrade", "--revision", "0001")
    state = json.loads(run("current", "--json"))
    assert state == {
        "current": "0001",
        "head": HEAD,
        "up_to_date": False,
        "made_before_migrations": False,
    }
    assert f"upgraded from revision 0001 to {HEAD}" in run("upgrade")
    assert f"already at revision {HEAD}" in run("upgrade")
    assert f"downgraded from revision {HEAD} to {BEFORE_HEAD}" in run("downgrade", "-1")
    assert f"downgraded from revision {BEFORE_HEAD} to 0001" in run("downgrade", "0001")
    assert "behind: run `byosc db upgrade`" in run("current")
    failed = CliRunner().invoke(cli, ["db", "downgrade", "nowhere"])
    assert failed.exit_code == 1 and "nowhere" in failed.stderr
