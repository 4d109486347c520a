"""The production profiles refuse, at start, a setting that would run them wrong, and say
which environment variable to set: every problem at once, one line each."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from byosc.settings import Settings
from byosc.settings_errors import validation_problems

POSTGRES = {"url": "postgresql+psycopg://byosc@db/byosc"}
PROFILES = ["single-node", "compose", "k8s"]


def _problems(**given: Any) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        Settings(**given)
    return validation_problems(refused.value)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_missing_database_url_names_the_variable_and_postgresql(profile: str) -> None:
    assert _problems(profile=profile, index={"kind": "qdrant"}) == [
        f"BYOSC_DATABASE__URL is required in profile {profile} (PostgreSQL, e.g. "
        "postgresql+psycopg://byosc:PASSWORD@postgres:5432/byosc)"
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_sqlite_is_refused_as_the_metadata_db(profile: str) -> None:
    problems = _problems(profile=profile, index={"kind": "qdrant"}, database={"url": "sqlite://"})
    assert len(problems) == 1
    assert problems[0].startswith(f"BYOSC_DATABASE__URL names SQLite, which profile {profile}")


@pytest.mark.parametrize("profile", ["compose", "k8s"])
def test_compose_and_k8s_refuse_an_edge_index(profile: str) -> None:
    problems = _problems(profile=profile, database=POSTGRES)
    assert len(problems) == 1
    assert problems[0].startswith(f"BYOSC_INDEX__KIND=edge is refused in profile {profile}")
    assert "single-node" in problems[0]


def test_single_node_lets_the_inference_service_own_an_edge_index() -> None:
    owner = Settings(profile="single-node", database=POSTGRES)  # type: ignore[arg-type]
    assert owner.index.kind == "edge"
    others = Settings(
        profile="single-node",
        database=POSTGRES,  # type: ignore[arg-type]
        index={"kind": "http"},  # type: ignore[arg-type]
        services={"inference": "http://inference:8002"},  # type: ignore[arg-type]
    )
    assert others.services.inference == "http://inference:8002"


@pytest.mark.parametrize("profile", PROFILES)
def test_the_index_over_http_needs_the_inference_service_named(profile: str) -> None:
    assert _problems(profile=profile, database=POSTGRES, index={"kind": "http"}) == [
        f"BYOSC_SERVICES__INFERENCE is required with BYOSC_INDEX__KIND=http in profile "
        f"{profile}: the URL of the inference service that owns the index"
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_auth_cannot_be_turned_off(profile: str) -> None:
    given = {"database": POSTGRES, "index": {"kind": "qdrant"}, "auth": {"enabled": False}}
    assert _problems(profile=profile, **given) == [
        f"BYOSC_AUTH__ENABLED=false is refused in profile {profile}: only the embedded "
        "profile runs without API keys"
    ]


def test_every_problem_is_reported_at_once_one_line_each() -> None:
    problems = _problems(profile="k8s", auth={"enabled": False})
    assert [p.split(" ")[0] for p in problems] == [
        "BYOSC_DATABASE__URL",
        "BYOSC_INDEX__KIND=edge",
        "BYOSC_AUTH__ENABLED=false",
    ]


def test_the_embedded_profile_needs_no_server_and_no_auth() -> None:
    settings = Settings(auth={"enabled": False})  # type: ignore[arg-type]
    assert (settings.profile, settings.index.kind, settings.database.url) == (
        "embedded",
        "edge",
        None,
    )


@pytest.mark.parametrize(
    ("model", "exact"), [("smollm2-135m-instruct", True), ("meta-llama/Llama-3.1-8B", False)]
)
def test_single_node_counts_tokens_with_the_bundled_tokenizer_when_it_serves_that_model(
    model: str, exact: bool
) -> None:
    from byosc.bootstrap import open_token_counter

    settings = Settings(profile="single-node", database=POSTGRES, llm={"model": model})
    assert open_token_counter(settings).exact is exact


def test_the_embedded_profile_bounds_chats_for_a_cpu_and_an_explicit_bound_wins() -> None:
    embedded = Settings(auth={"enabled": False})  # type: ignore[arg-type]
    assert (embedded.inflight.running, embedded.inflight.waiting) == (4, 8)
    assert embedded.retrieval_inflight.running == 8
    chosen = Settings(inflight={"running": 2, "waiting": 3})  # type: ignore[arg-type]
    assert (chosen.inflight.running, chosen.inflight.waiting) == (2, 3)
    server = Settings(profile="single-node", database=POSTGRES)
    assert (server.inflight.running, server.inflight.waiting) == (16, 64)
