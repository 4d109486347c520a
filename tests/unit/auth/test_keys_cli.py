"""`byosc keys` against a real SQLite metadata DB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from byosc.auth.store import SqlKeyStore
from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.domain import Course
from byosc.running_stack import announced
from cli.main import app


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """The metadata DB of BYOSC_DATA_DIR, with one course, cs140."""
    monkeypatch.setenv("BYOSC_DATA_DIR", str(tmp_path))
    engine = open_engine(f"sqlite:///{tmp_path / 'byosc.db'}")
    SqlCatalog(engine).create_course(Course(id="cs140", name="OS"))
    yield engine
    engine.dispose()


def test_keys_are_created_listed_and_revoked_from_the_command_line(engine: sa.Engine) -> None:
    runner = CliRunner()
    args = ["keys", "create", "--name", "lms", "--role", "client", "-c", "cs140", "--json"]
    created = runner.invoke(app, args)
    assert created.exit_code == 0, created.output
    issued = json.loads(created.stdout)
    store = SqlKeyStore(engine)
    assert store.authenticate(issued["token"]).courses == ["cs140"]  # type: ignore[union-attr]

    listed = runner.invoke(app, ["keys", "list", "--json"])
    assert [k["id"] for k in json.loads(listed.stdout)] == [issued["key"]["id"]]
    assert issued["token"] not in listed.output

    revoked = runner.invoke(app, ["keys", "revoke", issued["key"]["id"], "--json"])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked_at"]
    assert store.authenticate(issued["token"]) is None
    assert runner.invoke(app, ["keys", "revoke", "000000000000"]).exit_code == 1


def test_a_key_for_a_malformed_course_id_is_refused(engine: sa.Engine) -> None:
    args = ["keys", "create", "--name", "x", "--role", "client", "-c", "CS 140"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert '"CS 140" is not a valid course ID; a course ID has 2 to 63' in result.output


def test_a_key_for_a_course_that_does_not_exist_is_refused_naming_it(
    engine: sa.Engine,
) -> None:
    args = ["keys", "create", "--name", "x", "--role", "client", "-c", "cs140", "-c", "cs999"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "error: course cs999 does not exist" in result.output
    assert SqlKeyStore(engine).list() == []


def test_keys_go_to_the_running_stacks_data_directory_when_none_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, stack_dir = tmp_path / "home", tmp_path / "stack"
    stack_dir.mkdir()
    monkeypatch.delenv("BYOSC_DATA_DIR", raising=False)
    monkeypatch.setenv("BYOSC_HOME", str(home))
    args = ["keys", "create", "--name", "ops", "--role", "admin", "--json"]
    with announced(home, stack_dir):
        created = CliRunner().invoke(app, args)
    assert created.exit_code == 0, created.output
    assert f"data directory {stack_dir} (the running stack's)" in created.stderr
    token = json.loads(created.stdout)["token"]
    engine = open_engine(f"sqlite:///{stack_dir / 'byosc.db'}")
    assert SqlKeyStore(engine).authenticate(token) is not None
    engine.dispose()
    assert not (home / "data" / "byosc.db").exists()


def test_a_named_data_directory_wins_over_the_running_stacks(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, stack_dir = tmp_path / "home", tmp_path / "stack"
    stack_dir.mkdir()
    monkeypatch.setenv("BYOSC_HOME", str(home))
    with announced(home, stack_dir):
        listed = CliRunner().invoke(app, ["keys", "list"])
    assert listed.exit_code == 0
    assert f"data directory {tmp_path} (BYOSC_DATA_DIR)" in listed.stderr
    assert not (stack_dir / "byosc.db").exists()
