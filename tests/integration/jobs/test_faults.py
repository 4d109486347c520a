"""Faults with real worker processes on Redis: a worker killed mid-document, a document
that can never be indexed. Each test runs its own worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.index.edge import EdgeIndex
from tests.support.jobs import Cluster, cluster

VISIBILITY_S = 3


def _lecture(paragraphs: int) -> bytes:
    """A long text: about one chunk per paragraph, every chunk different."""
    text = "\n\n".join(
        f"Paragraph {n}. "
        + " ".join(f"Fact {n}-{k} about scheduling and memory." for k in range(20))
        for n in range(paragraphs)
    )
    return text.encode()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    material = tmp_path / "sources" / "material"
    material.mkdir(parents=True)
    (material / "a-long-lecture.txt").write_bytes(_lecture(64))
    (material / "b-short-note.md").write_bytes(b"# Note\n\nDeadlock needs four conditions.\n")
    return material


@pytest.fixture
def edge_cluster(tmp_path: Path, byosc_home: Path, folder: Path) -> Iterator[Cluster]:
    """A worker that owns its Edge shard, writing a long document in many small batches."""
    env = {"BYOSC_INDEX__KIND": "edge", "BYOSC_INDEX__WRITE_BATCH": "8"}
    with cluster(
        tmp_path / "data",
        byosc_home,
        redis_db=12,
        allowed_root=folder.parent,
        with_inference=False,
        env=env,
        visibility_timeout_s=VISIBILITY_S,
    ) as running:
        yield running


def test_a_worker_killed_mid_document_is_replaced_and_the_index_holds_each_chunk_once(
    edge_cluster: Cluster, folder: Path
) -> None:
    course = edge_cluster.local_course("crash", folder)
    edge_cluster.stack.start("worker")
    job, _ = edge_cluster.start_refresh(course)
    long_item = f"{job.id}-00000"

    def some_chunks_written() -> bool:
        item = edge_cluster.jobs.item(long_item)
        return item is not None and item.state == "running" and "index" in item.timings

    edge_cluster.wait_until(some_chunks_written)
    edge_cluster.stack.kill("worker")
    edge_cluster.stack.start("worker")
    done = edge_cluster.wait(job.id)
    edge_cluster.stack.stop("worker")

    assert done.state == "succeeded", done.errors
    assert [i.attempts for i in done.items] == [2, 1]
    documents = edge_cluster.catalog.list_documents(course)
    assert len(documents) == 2
    index = EdgeIndex(edge_cluster.settings.index_path, 384)
    try:
        assert index.count(course) == sum(d.chunks for d in documents)
    finally:
        index.close()


def test_a_document_that_always_fails_ends_failed_after_max_attempts(
    tmp_path: Path, byosc_home: Path, folder: Path
) -> None:
    (folder / "a-long-lecture.txt").unlink()
    # The index this worker writes to never answers: every attempt fails the same way.
    unreachable = {"BYOSC_INDEX__KIND": "http", "BYOSC_SERVICES__INFERENCE": "http://127.0.0.1:9"}
    with cluster(
        tmp_path / "data",
        byosc_home,
        redis_db=13,
        allowed_root=folder.parent,
        with_inference=False,
        env=unreachable,
        max_attempts=3,
    ) as running:
        course = running.local_course("doomed", folder)
        running.stack.start("worker")
        job = running.refresh(course)

    assert job.state == "failed"
    (item,) = job.items
    assert item.state == "failed" and item.attempts == 3
    assert "gave up after 3 attempts" in (item.error or "")
    assert "ConnectError" in (item.error or "")
