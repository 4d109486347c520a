"""What only the Hopsworks adapter does: how it lays out, writes and reads feature groups.

The shared behaviour is in tests/contract/test_dataset_store.py.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")

from byosc.datasets.hopsworks import VERSIONS, HopsworksDatasetStore
from byosc.domain import Chunk
from byosc.instructions.models import DatasetVersion, InstructionPair
from tests.support.fake_hopsworks import Project


def _pair(n: int, **fields: object) -> InstructionPair:
    values: dict[str, object] = {
        "id": f"pair-{n}",
        "course_id": "cs101",
        "document_id": "doc-a",
        "chunk_id": f"chunk-{n}",
        "filename": "notes.md",
        "task": "qa",
        "question": f"What is concept {n}?",
        "answer": f"Concept {n} is this.",
        "generator": "extractive",
    }
    return InstructionPair.model_validate(values | fields)


def _write(store: HopsworksDatasetStore, number: int, pairs: list[InstructionPair]) -> None:
    store.write_version(DatasetVersion(course_id="cs101", version=number), pairs)


def _chunk(n: int, course: str = "cs101") -> Chunk:
    return Chunk(
        id=f"{course}-c{n}",
        course_id=course,
        document_id="doc-a",
        index=n,
        text=f"Passage {n}.",
        title="Week 1",
        filename="week1.pdf",
        page=n + 1 if n else None,
        heading="Paging" if n else None,
    )


def test_feature_groups_are_keyed_offline_and_every_write_waits_for_its_job() -> None:
    project = Project()
    store = HopsworksDatasetStore(project)
    _write(store, 1, [_pair(1)])
    store.write_chunks("cs101", [_chunk(0)])
    store.delete_course("cs101")
    groups = {name: group for (name, _), group in project.feature_store.groups.items()}
    assert groups["byosc_instruction_pairs"].primary_key == [
        "course_id",
        "dataset_version",
        "pair_id",
    ]
    assert groups["byosc_dataset_versions"].primary_key == ["course_id", "dataset_version"]
    assert groups["byosc_chunks"].primary_key == ["course_id", "chunk_id"]
    assert not any(g.online_enabled for g in groups.values())
    writes = [o for g in groups.values() for o in g.write_options]
    assert len(writes) == 6 and all(o == {"wait_for_job": True} for o in writes)


def test_a_first_write_with_no_optional_values_still_has_typed_columns() -> None:
    store = HopsworksDatasetStore(Project())
    pairs = [_pair(1), _pair(2)]  # no page, no time span, no model
    _write(store, 1, pairs)
    assert store.pairs("cs101", 1) == pairs
    _write(store, 2, [_pair(3, page=4, start_s=1.5, end_s=9.0, model="gpt-test")])
    assert (
        store.pairs("cs101", 2)[0].model_dump()
        == _pair(3, page=4, start_s=1.5, end_s=9.0, model="gpt-test").model_dump()
    )


def test_pairs_of_an_unfinished_write_stay_invisible() -> None:
    project = Project()
    store = HopsworksDatasetStore(project)
    _write(store, 1, [_pair(1), _pair(2)])
    # As if the writer died after its pairs and before its version row.
    versions = project.feature_store.groups[(VERSIONS, 1)]
    assert versions.data is not None
    versions.data = versions.data.iloc[0:0]
    assert store.get_version("cs101", 1) is None and store.pairs("cs101", 1) == []
    _write(store, 1, [_pair(3)])
    assert [p.id for p in store.pairs("cs101", 1)] == ["pair-3"]


def test_chunks_are_upserted_by_id_and_read_back_per_course() -> None:
    store = HopsworksDatasetStore(Project())
    store.write_chunks("cs101", [_chunk(1), _chunk(0)])
    store.write_chunks("bio200", [_chunk(0, "bio200")])
    revised = _chunk(1).model_copy(update={"text": "Revised."})
    store.write_chunks("cs101", [revised])
    assert store.chunks("cs101") == [_chunk(0), revised]
    with pytest.raises(ValueError):
        store.write_chunks("cs101", [_chunk(2, "bio200")])
    store.delete_course("cs101")
    assert store.chunks("cs101") == [] and len(store.chunks("bio200")) == 1
