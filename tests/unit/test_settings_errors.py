"""Refused settings read as the variables an operator sets: one line per variable, named
BYOSC_..., with the value given unless it may be a secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from byosc.settings import Settings
from byosc.settings_errors import SettingsInvalid, env_name, load_settings, validation_problems


def test_a_field_is_named_by_its_environment_variable() -> None:
    assert env_name(("database", "url")) == "BYOSC_DATABASE__URL"
    assert env_name(("gateway", "rate_limits", "per_class", "chat")) == (
        "BYOSC_GATEWAY__RATE_LIMITS__PER_CLASS"
    )
    assert env_name(("sources", "allowed_roots", 0)) == "BYOSC_SOURCES__ALLOWED_ROOTS"


def test_bad_values_from_the_environment_give_one_line_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BYOSC_PROFILE", "compse")
    monkeypatch.setenv("BYOSC_RAG__TOP_K", "99")
    monkeypatch.setenv("BYOSC_AUTH__JWT__ENABLED", "true")
    with pytest.raises(SettingsInvalid) as refused:
        load_settings()
    assert refused.value.problems == [
        "BYOSC_PROFILE: Input should be 'embedded', 'single-node', 'compose' or 'k8s' "
        "(it is 'compse')",
        "BYOSC_RAG__TOP_K: Input should be less than or equal to 20 (it is '99')",
        "BYOSC_AUTH__JWT: auth.jwt.algorithm=HS256 needs auth.jwt.secret",
    ]
    assert str(refused.value) == "\n".join(refused.value.problems)


def test_a_value_that_may_be_a_secret_is_not_shown_back() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(index={"url": 6333})  # type: ignore[arg-type]
    (line,) = validation_problems(refused.value)
    assert line.startswith("BYOSC_INDEX__URL: Input should be a valid string")
    assert "6333" not in line


def test_a_list_that_is_not_json_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOSC_SOURCES__ALLOWED_ROOTS", "/srv/courses")
    with pytest.raises(SettingsInvalid) as refused:
        load_settings()
    (line,) = refused.value.problems
    assert line.startswith("BYOSC_SOURCES__ALLOWED_ROOTS: not valid JSON")
    assert """BYOSC_SOURCES__ALLOWED_ROOTS='["/srv/courses"]'""" in line


def test_the_profile_check_names_its_variables_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOSC_PROFILE", "compose")
    monkeypatch.setenv("BYOSC_INDEX__KIND", "qdrant")
    with pytest.raises(SettingsInvalid) as refused:
        load_settings()
    assert [line.split(" ")[0] for line in refused.value.problems] == ["BYOSC_DATABASE__URL"]
