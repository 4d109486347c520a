"""The course ID rule is said in words wherever an ID is refused, and still documented as a
pattern in the API's schemas."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from byosc.auth.models import KeyRequest
from byosc.domain import COURSE_ID_RULE, Course
from cli.main import app

REFUSED = ["x", "CS140", "cs 140", "-cs140", "c" * 64, "cs_140"]
ACCEPTED = ["cs", "cs140", "os-2025", "9a", "c" * 63]


@pytest.mark.parametrize("course_id", REFUSED)
def test_a_refused_course_id_is_refused_with_the_rule_in_words(course_id: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Course(id=course_id, name="A course")
    [error] = refused.value.errors()
    assert error["msg"] == COURSE_ID_RULE
    assert "2 to 63" in COURSE_ID_RULE and "lowercase" in COURSE_ID_RULE


@pytest.mark.parametrize("course_id", ACCEPTED)
def test_ids_that_follow_the_rule_are_accepted(course_id: str) -> None:
    assert Course(id=course_id, name="A course").id == course_id
    assert KeyRequest(name="k", role="client", courses=[course_id]).courses == [course_id]


def test_a_key_request_refuses_a_course_id_with_the_same_rule() -> None:
    with pytest.raises(ValidationError) as refused:
        KeyRequest(name="k", role="client", courses=["cs140", "CS 140"])
    assert refused.value.errors()[0]["msg"] == COURSE_ID_RULE


def test_the_schemas_still_carry_the_pattern_for_clients_and_fuzzers() -> None:
    course_id = Course.model_json_schema()["properties"]["id"]
    assert course_id["pattern"] == "^[a-z0-9][a-z0-9-]{1,62}$"
    scope = KeyRequest.model_json_schema()["properties"]["courses"]["items"]
    assert scope["pattern"] == course_id["pattern"]


def test_the_cli_says_the_rule_plainly_for_a_refused_course_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYOSC_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["courses", "create", "x", "--name", "X"])
    assert result.exit_code == 1
    assert result.output.strip() == f'error: "x" is not a valid course ID; {COURSE_ID_RULE}'
