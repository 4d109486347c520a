"""One DatasetStore contract, run against SQLite (embedded), PostgreSQL and Hopsworks (faked)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from byosc.catalog.sql import open_engine
from byosc.errors import AlreadyExists
from byosc.instructions.models import DatasetVersion, InstructionPair, Split
from byosc.ports import DatasetStore

STORES = ["sqlite", "postgresql", "hopsworks"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatasetStore]:
    if request.param == "hopsworks":
        pytest.importorskip("pandas")
        from byosc.datasets.hopsworks import HopsworksDatasetStore
        from tests.support.fake_hopsworks import Project

        yield HopsworksDatasetStore(Project())
        return
    from byosc.datasets.sql import SqlDatasetStore

    url = (
        f"sqlite:///{tmp_path / 'catalog.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("postgres_schema_url"))
    )
    engine = open_engine(url)
    yield SqlDatasetStore(engine)
    engine.dispose()


def _pair(
    n: int, document: str = "doc-a", split: Split = "train", course: str = "cs101"
) -> InstructionPair:
    return InstructionPair(
        id=f"pair-{n:03d}",
        course_id=course,
        document_id=document,
        chunk_id=f"{document}-chunk-{n}",
        filename=f"{document}.pdf",
        page=n if n % 2 else None,
        start_s=12.5 if n % 3 == 0 else None,
        task="qa",
        question=f"What is concept {n}?",
        answer=f"Concept {n} is explained on this page. Ünïcode stays.",
        generator="extractive",
        model="gpt-test" if n % 4 == 0 else None,
        split=split,
    )


def _version(number: int, pairs: list[InstructionPair], course: str = "cs101") -> DatasetVersion:
    return DatasetVersion(
        course_id=course,
        version=number,
        parent=number - 1 or None,
        pairs=len(pairs),
        splits={"train": sum(p.split == "train" for p in pairs)},
        documents=sorted({p.document_id for p in pairs} | {"doc-without-pairs"}),
    )


def _write(store: DatasetStore, number: int, pairs: list[InstructionPair]) -> DatasetVersion:
    course = pairs[0].course_id if pairs else "cs101"
    return store.write_version(_version(number, pairs, course), pairs)


def test_a_written_version_reads_back_with_its_pairs(store: DatasetStore) -> None:
    splits: list[Split] = ["train", "test", "validation", "train"]
    pairs = [_pair(n, split=s) for n, s in enumerate(splits)]
    written = _write(store, 1, pairs)
    assert store.get_version("cs101", 1) == written
    assert store.pairs("cs101", 1) == sorted(
        pairs, key=lambda p: (["train", "validation", "test"].index(p.split), p.id)
    )


def test_a_version_without_pairs_can_be_written(store: DatasetStore) -> None:
    _write(store, 1, [])
    assert store.get_version("cs101", 1) is not None
    assert store.pairs("cs101", 1) == []


def test_writing_a_version_again_is_refused_and_changes_nothing(store: DatasetStore) -> None:
    first = [_pair(1), _pair(2)]
    _write(store, 1, first)
    with pytest.raises(AlreadyExists):
        _write(store, 1, [_pair(3)])
    assert store.pairs("cs101", 1) == first
    assert [v.pairs for v in store.list_versions("cs101")] == [2]


def test_a_new_version_leaves_the_earlier_one_unchanged(store: DatasetStore) -> None:
    first = [_pair(1), _pair(2)]
    _write(store, 1, first)
    second = [_pair(1).model_copy(update={"answer": "Rewritten."}), _pair(3)]
    _write(store, 2, second)
    assert store.pairs("cs101", 1) == first
    assert store.pairs("cs101", 2) == second


def test_versions_are_listed_newest_first(store: DatasetStore) -> None:
    for number in (1, 3, 2):
        _write(store, number, [_pair(number)])
    assert [v.version for v in store.list_versions("cs101")] == [3, 2, 1]


def test_pairs_can_be_read_one_split_at_a_time(store: DatasetStore) -> None:
    splits: list[Split] = ["train", "validation", "test", "test"]
    _write(store, 1, [_pair(n, split=s) for n, s in enumerate(splits)])
    assert [p.id for p in store.pairs("cs101", 1, "test")] == ["pair-002", "pair-003"]
    assert [p.id for p in store.pairs("cs101", 1, "validation")] == ["pair-001"]


def test_courses_do_not_see_each_others_versions(store: DatasetStore) -> None:
    _write(store, 1, [_pair(1, course="cs101")])
    _write(store, 1, [_pair(2, course="bio200")])
    assert [p.id for p in store.pairs("bio200", 1)] == ["pair-002"]
    assert [v.course_id for v in store.list_versions("cs101")] == ["cs101"]


def test_unknown_versions_read_as_absent(store: DatasetStore) -> None:
    assert store.get_version("cs101", 7) is None
    assert store.list_versions("cs101") == []
    assert store.pairs("cs101", 7) == []


def test_deleting_a_course_removes_its_versions_and_pairs_only(store: DatasetStore) -> None:
    _write(store, 1, [_pair(1)])
    _write(store, 2, [_pair(2)])
    _write(store, 1, [_pair(3, course="bio200")])
    store.delete_course("cs101")
    assert store.list_versions("cs101") == []
    assert store.pairs("cs101", 1) == []
    assert [p.id for p in store.pairs("bio200", 1)] == ["pair-003"]
    _write(store, 1, [_pair(4)])  # the course's version numbers are free again
    assert [p.id for p in store.pairs("cs101", 1)] == ["pair-004"]


def test_pairs_of_another_course_or_repeated_ids_are_refused(store: DatasetStore) -> None:
    with pytest.raises(ValueError):
        store.write_version(_version(1, []), [_pair(1, course="bio200")])
    with pytest.raises(ValueError):
        store.write_version(_version(1, []), [_pair(1), _pair(1)])
    assert store.get_version("cs101", 1) is None


@pytest.mark.parametrize("store", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_writers_of_one_version_leave_one_winner(store: DatasetStore) -> None:
    def write(n: int) -> bool:
        try:
            _write(store, 1, [_pair(n), _pair(n + 100)])
        except AlreadyExists:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        wins = list(pool.map(write, range(8)))
    assert sum(wins) == 1
    winner = wins.index(True)
    assert [p.id for p in store.pairs("cs101", 1)] == [
        f"pair-{winner:03d}",
        f"pair-{winner + 100:03d}",
    ]
