"""Instruction datasets follow the source: a refresh that changes one file is followed by a
dataset version in which only that file's pairs are new. Real Celery worker on Redis."""

from __future__ import annotations

from pathlib import Path

from byosc.datasets.sql import SqlDatasetStore
from byosc.instructions.models import DatasetVersion
from tests.support.jobs import Cluster

MATERIAL = Path(__file__).resolve().parents[3] / "examples" / "sample-course" / "material"
ADDED = b"""

## Semaphores

A semaphore is an integer variable that, apart from initialization, is accessed only through
two atomic operations, wait and signal.
"""


def _version(cluster: Cluster, store: SqlDatasetStore, course: str, n: int) -> DatasetVersion:
    cluster.wait_until(lambda: len(store.list_versions(course)) >= n, timeout_s=120)
    found = store.get_version(course, n)
    assert found is not None
    return found


def test_changing_one_file_regenerates_only_that_files_pairs(
    jobs_cluster: Cluster, sources_root: Path
) -> None:
    folder = sources_root / "datasets"
    folder.mkdir()
    (folder / "threads.md").write_bytes((MATERIAL / "01-processes-and-threads.md").read_bytes())
    (folder / "sched.md").write_bytes((MATERIAL / "02-cpu-scheduling.md").read_bytes())
    course = jobs_cluster.local_course("datasets", folder)
    store = SqlDatasetStore(jobs_cluster.catalog.engine)

    assert jobs_cluster.refresh(course).state == "succeeded"
    first = _version(jobs_cluster, store, course, 1)
    docs = {d.source_id: d.id for d in jobs_cluster.catalog.list_documents(course)}
    before = {p.id: p for p in store.pairs(course, 1)}
    assert {p.document_id for p in before.values()} == set(docs.values())
    assert first.report.kept == len(before) > 0

    (folder / "sched.md").write_bytes((folder / "sched.md").read_bytes() + ADDED)
    assert jobs_cluster.refresh(course).state == "succeeded"
    second = _version(jobs_cluster, store, course, 2)
    after = {p.id: p for p in store.pairs(course, 2)}
    new_sched = next(
        d.id for d in jobs_cluster.catalog.list_documents(course) if d.source_id == "sched.md"
    )

    removed = before.keys() - after.keys()
    added = after.keys() - before.keys()
    assert {before[i].document_id for i in removed} == {docs["sched.md"]}
    assert {after[i].document_id for i in added} == {new_sched}
    assert any("semaphore" in after[i].question.lower() for i in added)
    threads = {i for i, p in before.items() if p.document_id == docs["threads.md"]}
    assert threads <= after.keys()
    assert second.parent == 1 and second.report.reused == len(threads)
    # Version 1 is immutable: its pairs read back unchanged.
    assert {p.id for p in store.pairs(course, 1)} == before.keys()
