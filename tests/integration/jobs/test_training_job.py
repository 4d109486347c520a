"""Training jobs on a real Celery worker and Redis, on the bundled model: progress, the
evaluation gate, the registry, and a worker killed mid-training."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from byosc.datasets.sql import SqlDatasetStore
from byosc.domain import Job
from byosc.jobs.control import start_job
from byosc.jobs.training import training_params
from byosc.llm.adapters import read_adapter
from byosc.settings import BASE_MODEL_NAME
from byosc.training.models import AdapterRecord
from byosc.training.pipeline import ADAPTER_METADATA
from byosc.training.registry import SqlAdapterRegistry
from tests.support.jobs import Cluster, cluster

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[3] / "examples" / "sample-course" / "material"
# Three documents: the dataset gets a train, a validation and a test document.
FILES = ["01-processes-and-threads.md", "02-cpu-scheduling.md", "03-memory-management.pdf"]
# Small enough for a CPU: a few steps on short sequences, a few held-out pairs.
TINY = {"batch_size": 2, "grad_accumulation": 1, "max_seq_len": 192, "checkpoint_every": 1}
WORKER_ENV = {
    "BYOSC_INDEX__KIND": "edge",
    "BYOSC_TRAINING__EVAL__MAX_PAIRS": "3",
    "BYOSC_TRAINING__EVAL__MAX_NEW_TOKENS": "6",
    "BYOSC_TRAINING__EVAL__BATCH_SIZE": "3",
}


@pytest.fixture(scope="module")
def trainer(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("training")
    folder = root / "sources" / "material"
    folder.mkdir(parents=True)
    for name in FILES:
        (folder / name).write_bytes((MATERIAL / name).read_bytes())
    with cluster(
        root / "data",
        byosc_home,
        redis_db=14,
        allowed_root=folder.parent,
        with_inference=False,
        env=WORKER_ENV,
        visibility_timeout_s=5,  # a long training is redelivered meanwhile: it must not run twice
    ) as running:
        running.stack.start("worker")
        course = running.local_course("os", folder)
        assert running.refresh(course).state == "succeeded"
        store = SqlDatasetStore(running.catalog.engine)
        running.wait_until(lambda: store.list_versions(course), timeout_s=120)
        yield running


@pytest.fixture(scope="module")
def registry(trainer: Cluster) -> SqlAdapterRegistry:
    return SqlAdapterRegistry(trainer.catalog.engine)


def _train(trainer: Cluster, **hyperparameters: Any) -> Job:
    params = training_params(trainer.settings, None, {**TINY, **hyperparameters})
    job, created = start_job(
        trainer.jobs, trainer.settings, "os", "train", trainer.queue.enqueue_train, params
    )
    assert created
    return job


def _watch(trainer: Cluster, job_id: str, timeout_s: float = 300) -> tuple[Job, list[dict]]:
    """The finished job, and each distinct progress figures it showed while running."""
    seen: list[dict[str, float]] = []
    deadline = time.monotonic() + timeout_s
    while True:
        job = trainer.jobs.get(job_id, items=False)
        assert job is not None
        if job.progress.figures and job.progress.figures not in seen:
            seen.append(job.progress.figures)
        if job.finished:
            return job, seen
        assert time.monotonic() < deadline, f"still {job.state}: {job.progress.step}"
        time.sleep(0.1)


def _newest(registry: SqlAdapterRegistry) -> AdapterRecord:
    return registry.list("os")[0]


def test_a_training_job_learns_reports_progress_and_registers_a_loadable_adapter(
    trainer: Cluster, registry: SqlAdapterRegistry
) -> None:
    job, seen = _watch(trainer, _train(trainer, max_steps=4, learning_rate=1e-3).id)

    assert job.state == "succeeded", job.error
    assert {"step", "total_steps", "loss", "tokens_per_s", "eta_s"} <= seen[-1].keys()
    assert [f["step"] for f in seen] == sorted({f["step"] for f in seen})
    assert seen[-1]["step"] == seen[-1]["total_steps"] == 4
    record = _newest(registry)
    assert record.name in job.progress.step
    assert record.training is not None and record.training.steps == 4
    assert all(loss > 0 for loss in record.training.losses)
    stored = Path(urlparse(record.uri).path)
    assert read_adapter(stored).base_model == BASE_MODEL_NAME
    metadata = json.loads((stored / ADAPTER_METADATA).read_text())
    assert metadata["base_model_sha256"] == record.base_model_sha256
    assert metadata["evaluation"] == record.model_dump(mode="json")["evaluation"]
    assert record.base_model_sha256 and record.dataset_version == 1
    report = record.evaluation
    assert report is not None and report.pairs == 3, record
    # It learned: the reference answers of held-out pairs became more likely.
    assert report.adapter.perplexity < report.base.perplexity, report
    assert report.base.rouge_l is not None and report.adapter.perplexity_with_context is not None
    # Promoted exactly when it passed; the model server is down, so it is loaded on first use.
    assert record.state == ("active" if report.passed else "rejected")


def test_an_adapter_worse_than_the_base_model_is_not_promoted(
    trainer: Cluster, registry: SqlAdapterRegistry
) -> None:
    active_before = registry.active("os")
    # One step at a huge learning rate wrecks the model: the gate must catch it.
    job, _ = _watch(trainer, _train(trainer, max_steps=1, learning_rate=0.5).id)

    assert job.state == "succeeded", job.error
    record = _newest(registry)
    assert record.state == "rejected"
    assert record.evaluation is not None and not record.evaluation.passed
    assert any("not better" in reason for reason in record.evaluation.reasons)
    assert "not promoted" in job.progress.step
    assert registry.active("os") == active_before


def test_a_worker_killed_mid_training_is_replaced_and_the_job_resumes_from_its_checkpoint(
    trainer: Cluster, registry: SqlAdapterRegistry
) -> None:
    job = _train(trainer, max_steps=6, learning_rate=1e-4, seed=7)

    def past_a_checkpoint() -> bool:
        current = trainer.jobs.get(job.id, items=False)
        return current is not None and current.progress.figures.get("step", 0) >= 2

    trainer.wait_until(past_a_checkpoint, timeout_s=180)
    trainer.stack.kill("worker")
    trainer.stack.start("worker")
    done, _ = _watch(trainer, job.id)

    assert done.state == "succeeded", done.error
    assert done.attempts == 2
    record = _newest(registry)
    assert record.training is not None
    assert record.training.resumed_from_step is not None and record.training.resumed_from_step >= 2
    assert record.training.steps == 6 and len(record.training.losses) == 6


def test_a_cancelled_training_stops_and_the_same_training_asked_again_resumes_it(
    trainer: Cluster, registry: SqlAdapterRegistry
) -> None:
    hyperparameters = {"max_steps": 5, "learning_rate": 1e-4, "seed": 11}
    job = _train(trainer, **hyperparameters)
    trainer.wait_until(
        lambda: trainer.jobs.get(job.id, items=False).progress.figures.get("step", 0) >= 1,  # type: ignore[union-attr]
        timeout_s=180,
    )
    before = len(registry.list("os"))
    assert trainer.jobs.cancel(job.id).state == "cancelled"
    # The worker stops at a step boundary and registers nothing.
    trainer.wait_until(
        lambda: (
            not any(
                trainer.settings.training.checkpoints_path(trainer.settings.data_path).glob(
                    f"{job.id}.lock"
                )
            )
        ),
        timeout_s=60,
    )
    cancelled = trainer.jobs.get(job.id, items=False)
    assert cancelled is not None and cancelled.state == "cancelled"
    assert len(registry.list("os")) == before

    again, _ = _watch(trainer, _train(trainer, **hyperparameters).id)
    assert again.state == "succeeded", again.error
    record = _newest(registry)
    assert record.training is not None and record.training.resumed_from_step is not None
    assert record.training.steps == 5
