"""Celery task of the trainer: one course adapter per job, on the `train` queue, run by a
worker that consumes `train` (it imports this module alone, from the trainer image).

Acked late and re-queued when its worker dies, so a killed training starts again and
resumes from its last checkpoint. Not retried on errors: a training that failed fails the
same way again, and its job says why. Its time limit is `queue.time_limits.training`; a
training stopped there keeps its checkpoint.
"""

from __future__ import annotations

from typing import Protocol, cast

from celery import Task, shared_task

from byosc.jobs.training import TrainingContext, run_train_job
from services.common.jobqueue import TRAIN_ADAPTER


class _ContextApp(Protocol):
    def context(self) -> TrainingContext: ...


@shared_task(name=TRAIN_ADAPTER, bind=True, acks_late=True, reject_on_worker_lost=True)
def train_adapter(self: Task, job_id: str) -> str | None:
    """Trains, evaluates and registers the course's adapter; promotes it if it passes."""
    record = run_train_job(cast(_ContextApp, self.app).context(), job_id)
    return record.name if record else None
