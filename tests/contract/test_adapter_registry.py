"""The adapter registry on SQLite (embedded) and PostgreSQL: one active adapter per course,
promotions that retire the previous one, rollbacks that walk back through them."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from byosc.catalog.sql import open_engine
from byosc.errors import AlreadyExists, NotFound
from byosc.training.models import (
    AdapterRecord,
    EvalReport,
    Hyperparameters,
    ModelScores,
    TrainResult,
)
from byosc.training.registry import InvalidTransition, SqlAdapterRegistry


@pytest.fixture
def registry(database_url: str) -> Iterator[SqlAdapterRegistry]:
    registry = SqlAdapterRegistry(open_engine(database_url))
    yield registry
    registry.close()


def _record(course: str, version: int, passed: bool | None = None) -> AdapterRecord:
    evaluation = None
    if passed is not None:
        scores = ModelScores(perplexity=9.5)
        evaluation = EvalReport(
            pairs=12, base=scores, adapter=scores, rule="lower perplexity", passed=passed,
            reasons=["perplexity 9.5 is not below 9.5"] if not passed else [],
        )  # fmt: skip
    return AdapterRecord(
        name=f"{course}-v{version}",
        course_id=course,
        version=version,
        dataset_version=3,
        base_model="SmolLM2-135M-Instruct",
        base_model_sha256="ab" * 32,
        hyperparameters=Hyperparameters(rank=4, target_modules=["q_proj", "v_proj"]),
        training=TrainResult(adapter_dir="/tmp/out", steps=5, tokens=900, seconds=1.5),
        evaluation=evaluation,
        uri=f"file:///data/adapters/{course}/{course}-v{version}",
    )


def _add(registry: SqlAdapterRegistry, course: str, *versions: int) -> None:
    for version in versions:
        registry.add(_record(course, version))


def _states(registry: SqlAdapterRegistry, course: str) -> dict[str, str]:
    return {r.name: r.state for r in registry.list(course)}


def test_an_added_record_reads_back_whole_and_lists_newest_first(
    registry: SqlAdapterRegistry,
) -> None:
    first = registry.add(_record("cs140", 1, passed=True))
    _add(registry, "cs140", 3, 2)
    assert registry.get("cs140-v1") == first
    assert [r.version for r in registry.list("cs140")] == [3, 2, 1]
    assert registry.next_version("cs140") == 4
    assert registry.next_version("empty") == 1
    assert registry.active("cs140") is None


def test_a_name_or_version_is_registered_once(registry: SqlAdapterRegistry) -> None:
    _add(registry, "cs140", 1)
    with pytest.raises(AlreadyExists):
        registry.add(_record("cs140", 1))
    with pytest.raises(AlreadyExists):
        registry.add(_record("cs140", 1).model_copy(update={"name": "other-name"}))
    with pytest.raises(InvalidTransition):
        registry.add(_record("cs140", 2).model_copy(update={"state": "active"}))
    with pytest.raises(NotFound):
        registry.get("cs140-v9")


def test_promoting_retires_the_previous_active_adapter(registry: SqlAdapterRegistry) -> None:
    _add(registry, "cs140", 1, 2)
    active, previous = registry.promote("cs140-v1")
    assert previous is None and active.state == "active" and active.promoted_at is not None
    active, previous = registry.promote("cs140-v2")
    assert active.name == "cs140-v2" and previous is not None and previous.name == "cs140-v1"
    assert previous.state == "retired"
    assert registry.active("cs140") == registry.get("cs140-v2") == active
    assert _states(registry, "cs140") == {"cs140-v2": "active", "cs140-v1": "retired"}


def test_only_candidate_or_retired_adapters_that_passed_can_be_promoted(
    registry: SqlAdapterRegistry,
) -> None:
    _add(registry, "cs140", 1)
    registry.add(_record("cs140", 2, passed=False))
    registry.promote("cs140-v1")
    with pytest.raises(InvalidTransition, match="cs140-v1 is active"):
        registry.promote("cs140-v1")
    with pytest.raises(InvalidTransition, match="did not pass"):
        registry.promote("cs140-v2")
    registry.set_state("cs140-v2", "rejected")
    with pytest.raises(InvalidTransition, match="rejected"):
        registry.promote("cs140-v2", force=True)
    registry.set_state("cs140-v2", "candidate")
    assert registry.promote("cs140-v2", force=True)[0].state == "active"
    with pytest.raises(InvalidTransition):
        registry.set_state("cs140-v2", "retired")
    with pytest.raises(NotFound):
        registry.promote("cs140-v9")


def test_concurrent_promotes_leave_exactly_one_active_adapter(
    registry: SqlAdapterRegistry,
) -> None:
    _add(registry, "cs140", *range(1, 9))
    registry.promote("cs140-v1")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(registry.promote, [f"cs140-v{n}" for n in range(2, 9)]))
    states = _states(registry, "cs140")
    assert list(states.values()).count("active") == 1
    assert list(states.values()).count("retired") == 7
    # Each promotion retired the one before it: together they form one chain from v1.
    replaced = sorted(previous.name for _, previous in results if previous is not None)
    assert len(replaced) == 7 and len(set(replaced)) == 7 and "cs140-v1" in replaced


def test_rollback_restores_the_adapter_each_promotion_replaced(
    registry: SqlAdapterRegistry,
) -> None:
    _add(registry, "cs140", 1, 2, 3, 4)
    for n in (1, 2, 3):
        registry.promote(f"cs140-v{n}")
    assert registry.rollback_target("cs140").name == "cs140-v2"
    restored, demoted = registry.rollback("cs140")
    assert (restored.name, restored.state) == ("cs140-v2", "active")
    assert (demoted.name, demoted.state) == ("cs140-v3", "retired")
    registry.promote("cs140-v4")
    # v3 was rolled back: undoing v4 goes to v2, which v4 replaced, then to v1.
    assert registry.rollback("cs140")[0].name == "cs140-v2"
    assert registry.rollback("cs140")[0].name == "cs140-v1"
    assert registry.active("cs140") == registry.get("cs140-v1")
    with pytest.raises(InvalidTransition, match="nothing to roll back to"):
        registry.rollback("cs140")
    assert registry.active("cs140") == registry.get("cs140-v1")


def test_rollback_without_an_active_adapter_is_refused(registry: SqlAdapterRegistry) -> None:
    _add(registry, "cs140", 1)
    with pytest.raises(InvalidTransition, match="no active adapter"):
        registry.rollback("cs140")
    registry.promote("cs140-v1")
    with pytest.raises(InvalidTransition, match="nothing to roll back to"):
        registry.rollback_target("cs140")


def test_a_rejected_predecessor_is_not_restored(registry: SqlAdapterRegistry) -> None:
    _add(registry, "cs140", 1, 2)
    registry.promote("cs140-v1")
    registry.promote("cs140-v2")
    registry.set_state("cs140-v1", "rejected")
    with pytest.raises(InvalidTransition, match="nothing to roll back to"):
        registry.rollback("cs140")
    assert registry.active("cs140") == registry.get("cs140-v2")


def test_courses_are_isolated(registry: SqlAdapterRegistry) -> None:
    _add(registry, "cs140", 1, 2)
    _add(registry, "ma101", 1, 2)
    registry.promote("cs140-v1")
    registry.promote("ma101-v1")
    registry.promote("ma101-v2")
    assert registry.active("cs140") == registry.get("cs140-v1")
    assert registry.rollback("ma101")[0].name == "ma101-v1"
    assert registry.active("cs140") == registry.get("cs140-v1")
    registry.delete_course("ma101")
    assert registry.list("ma101") == [] and registry.active("ma101") is None
    assert [r.name for r in registry.list("cs140")] == ["cs140-v2", "cs140-v1"]


def test_the_database_itself_refuses_a_second_active_adapter(
    registry: SqlAdapterRegistry,
) -> None:
    import sqlalchemy as sa

    from byosc.training.registry import adapters

    _add(registry, "cs140", 1, 2)
    registry.promote("cs140-v1")
    with pytest.raises(sa.exc.IntegrityError), registry.engine.begin() as conn:
        conn.execute(adapters.update().where(adapters.c.name == "cs140-v2").values(state="active"))
    assert registry.active("cs140") == registry.get("cs140-v1")
