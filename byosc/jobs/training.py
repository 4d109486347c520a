"""Runs a training job: a course adapter trained, evaluated, registered and maybe promoted,
with its progress (step, loss, tokens/s, ETA) in the job row."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from byosc.errors import ByoscError, TrainingCancelled
from byosc.jobs.sql import SqlJobStore
from byosc.settings import Settings
from byosc.training.models import AdapterRecord, Hyperparameters, TrainProgress

if TYPE_CHECKING:  # torch and transformers load when a job runs, not with the worker
    from byosc.training.pipeline import TrainingParts

log = logging.getLogger(__name__)
STOP_CHECK_S = 2.0  # how often a running training looks whether its job was cancelled


class TrainingContext(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def jobs(self) -> SqlJobStore: ...

    @property
    def training_parts(self) -> TrainingParts: ...


def training_params(
    settings: Settings, dataset_version: int | None, hyperparameters: dict[str, Any] | None
) -> dict[str, Any]:
    """A training job's params: the hyperparameters given over the settings' defaults,
    validated now so a bad request fails before it is queued (ValidationError)."""
    defaults = settings.training.hyperparameters.model_dump()
    hp = Hyperparameters.model_validate({**defaults, **(hyperparameters or {})})
    return {"dataset_version": dataset_version, "hyperparameters": hp.model_dump()}


def run_train_job(ctx: TrainingContext, job_id: str) -> AdapterRecord | None:
    """None when the job is gone, finished, run by another worker, cancelled or failed."""
    jobs = ctx.jobs
    with _exclusive(ctx.settings.training.checkpoints_path(ctx.settings.data_path), job_id) as ok:
        if not ok:
            log.info(
                "training job %s is running in another worker: this delivery is dropped", job_id
            )
            return None
        job = jobs.begin(job_id, "starting")
        if job is None:
            return None
        from byosc.training.pipeline import train_course_adapter

        try:
            hp = Hyperparameters.model_validate(job.params.get("hyperparameters") or {})
            record = train_course_adapter(
                ctx.training_parts,
                job.course_id,
                job.params.get("dataset_version"),
                hp,
                progress=lambda step, p: jobs.set_step(job_id, step, _figures(p)),
                should_stop=_CancelCheck(jobs, job_id),
            )
        except TrainingCancelled:
            return None  # the job row says cancelled already; the checkpoint stays
        except (ByoscError, ValidationError) as exc:
            jobs.fail_job(job_id, str(exc))
            return None
        except Exception as exc:
            log.exception("training job %s failed", job_id)
            jobs.fail_job(job_id, f"{type(exc).__name__}: {exc}")
            raise
        jobs.succeed(job_id, outcome_line(record))
        return record


def outcome_line(record: AdapterRecord) -> str:
    verdict = {"active": "promoted", "rejected": "not promoted", "candidate": "not loaded"}
    reasons = "; ".join(record.evaluation.reasons) if record.evaluation else ""
    return f"{record.name} {verdict.get(record.state, record.state)}: {reasons}"


def _figures(progress: TrainProgress | None) -> dict[str, float] | None:
    if progress is None:
        return None
    return {k: float(v) for k, v in progress.model_dump().items() if v is not None}


class _CancelCheck:
    """Whether the job was cancelled (or removed with its course), read from the job row
    every STOP_CHECK_S at most."""

    def __init__(self, jobs: SqlJobStore, job_id: str) -> None:
        self.jobs, self.job_id = jobs, job_id
        self.checked_at, self.stop = time.monotonic(), False

    def __call__(self) -> bool:
        if not self.stop and time.monotonic() - self.checked_at >= STOP_CHECK_S:
            job = self.jobs.get(self.job_id, items=False)
            self.checked_at, self.stop = time.monotonic(), job is None or job.finished
        return self.stop


@contextmanager
def _exclusive(root: Path, job_id: str) -> Iterator[bool]:
    """True while this process alone runs the job. A broker redelivers a task it thinks lost
    (the visibility timeout passed during a long training); the second delivery finds the
    lock held and stops. The kernel releases the lock when its holder dies."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{job_id}.lock"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            path.unlink(missing_ok=True)  # while locked: no one else holds this file
            fcntl.flock(handle, fcntl.LOCK_UN)
