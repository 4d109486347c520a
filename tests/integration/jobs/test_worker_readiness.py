"""The ingest service's `workers` readiness check against a real Redis broker and a real
Celery worker: a queue holding jobs nobody consumes fails it, naming the queue; an idle
queue without a worker (scaled to zero) does not; a running worker answers for its queues."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.ingest.worker_readiness import NoWorker, workers
from tests.support.jobs import Cluster, cluster

pytestmark = pytest.mark.slow


@pytest.fixture
def cpu_only(tmp_path: Path, byosc_home: Path) -> Iterator[Cluster]:
    """A cluster whose worker, once started, consumes only the `cpu` queue."""
    folder = tmp_path / "sources" / "notes"
    folder.mkdir(parents=True)
    (folder / "note.md").write_text("# Note\n\nA semaphore counts free resources.\n")
    env = {"BYOSC_QUEUE__QUEUES": "cpu"}
    data = tmp_path / "data"
    with cluster(data, byosc_home, redis_db=8, allowed_root=folder.parent, env=env) as running:
        running.local_course("notes", folder)
        yield running


def test_idle_queues_without_workers_are_ready(cpu_only: Cluster) -> None:
    workers(cpu_only.settings, cpu_only.queue.app)()  # nothing waits: scaled to zero is fine


def test_a_queued_refresh_with_no_worker_fails_naming_the_queue_until_a_worker_takes_it(
    cpu_only: Cluster,
) -> None:
    job, _ = cpu_only.start_refresh("notes")
    probe = workers(cpu_only.settings, cpu_only.queue.app)
    with pytest.raises(NoWorker, match=r"queue cpu \(1 waiting\)"):
        probe()
    cpu_only.stack.start("inference")
    cpu_only.stack.start("worker")
    probe()  # the worker answers for `cpu`, whether or not it has taken the job yet
    assert cpu_only.wait(job.id).state == "succeeded"
