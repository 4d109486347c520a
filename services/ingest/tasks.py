"""Celery tasks of the ingest service: thin wrappers over byosc.jobs.

All take IDs only; the job's state lives in the metadata DB. Late acks with reject on
worker loss put a task back on the queue when its worker dies mid-document; the attempt
counter in the DB (brokers keep none) fails the document after `queue.max_attempts`.
Retries, for transient errors only, back off exponentially with jitter.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from celery import Task, shared_task

from byosc.domain import Job
from byosc.jobs.control import request_refresh
from byosc.jobs.dataset import DatasetContext, chain_after_refresh, run_dataset_job
from byosc.jobs.retry import TransientError
from byosc.jobs.runner import JobContext, run_item, run_refresh
from byosc.schedules.policy import train_if_enough_new_pairs
from byosc.schedules.runner import run_due_refreshes
from byosc.schedules.store import SqlScheduleStore
from services.common.jobqueue import (
    GENERATE_DATASET,
    PROCESS_DOCUMENT,
    PROCESS_RECORDING,
    QUEUE_OF,
    REFRESH_COURSE,
    SCHEDULED_REFRESHES,
    CeleryJobQueue,
)
from services.ingest.outages import OutageTolerantTask


class _Context(JobContext, DatasetContext, Protocol):
    pass


class _ContextApp(Protocol):
    def context(self) -> _Context: ...


# The worker that runs a task applies its own time limits: a message sent from inside a
# worker (whose task annotations set limits) carries none.
CONSUMER_LIMITS: dict[str, Any] = {"time_limit": None, "soft_time_limit": None}
# Every task: redelivered if the worker dies mid-task (acks late), retried with
# exponential backoff and jitter on transient errors only. max_retries is overridden from
# settings.queue.max_attempts through task_annotations.
RETRY_POLICY: dict[str, Any] = {
    "base": OutageTolerantTask,  # waits out a metadata-database outage instead of losing work
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (TransientError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


def _context(task: Task) -> _Context:
    return cast(_ContextApp, task.app).context()


@shared_task(
    name=REFRESH_COURSE,
    **RETRY_POLICY,
)
def refresh_course(self: Task, job_id: str) -> str | None:
    """Plans the refresh, removes deleted documents and fans out one task per file."""

    def dispatch(job_id: str, item_id: str, queue: str) -> None:
        # `gpu`: a recording planned before recordings got their own queue.
        task = process_recording if queue in ("transcribe", "gpu") else process_document
        task.apply_async(args=(job_id, item_id), queue=QUEUE_OF[task.name], **CONSUMER_LIMITS)

    ctx = _context(self)
    job = run_refresh(ctx, job_id, dispatch)
    chain_after_refresh(ctx, job_id, _enqueue_dataset)
    return job.state if job else None


@shared_task(
    name=PROCESS_DOCUMENT,
    **RETRY_POLICY,
)
def process_document(self: Task, job_id: str, item_id: str) -> str | None:
    """One file: read, extract, chunk, embed, upsert, record. Runs on `cpu`."""
    return _process(self, job_id, item_id)


@shared_task(
    name=PROCESS_RECORDING,
    **RETRY_POLICY,
)
def process_recording(self: Task, job_id: str, item_id: str) -> str | None:
    """One recording, the same steps with a transcription first. Runs on `transcribe`, with
    the recordings' time limit."""
    return _process(self, job_id, item_id)


def _process(task: Task, job_id: str, item_id: str) -> str | None:
    ctx = _context(task)
    item = run_item(ctx, job_id, item_id)
    chain_after_refresh(ctx, job_id, _enqueue_dataset)
    return item.state if item else None


@shared_task(
    name=GENERATE_DATASET,
    **RETRY_POLICY,
)
def generate_dataset(self: Task, job_id: str) -> int | None:
    """The course's next instruction dataset version: new pairs for new and changed
    documents only. Runs on `llm`: with an LLM generator it waits on the model's API."""
    ctx = _context(self)
    version = run_dataset_job(ctx.jobs, ctx.dataset_builder, job_id)
    if version is not None:
        schedules = SqlScheduleStore(ctx.jobs.engine)
        enqueue_train = CeleryJobQueue(self.app).enqueue_train
        train_if_enough_new_pairs(schedules, ctx.jobs, ctx.settings, job_id, version, enqueue_train)
    return version.version if version else None


@shared_task(name=SCHEDULED_REFRESHES, bind=True, ignore_result=True)
def scheduled_refreshes(self: Task) -> int:
    """The beat's tick (services/ingest/beat.py): starts each due scheduled refresh the way a
    manual refresh starts. Not retried: the next tick looks again, and a run claimed by a
    tick that died is due again when its claim runs out."""
    ctx = _context(self)
    queue = CeleryJobQueue(self.app)

    def start(course_id: str) -> tuple[Job, bool]:
        return request_refresh(ctx.catalog, ctx.jobs, queue, ctx.settings, course_id)

    schedules = SqlScheduleStore(ctx.jobs.engine)
    return len(run_due_refreshes(schedules, start, ctx.settings.schedules.claim_s))


def _enqueue_dataset(job_id: str) -> None:
    generate_dataset.apply_async(
        args=(job_id,), queue=QUEUE_OF[GENERATE_DATASET], **CONSUMER_LIMITS
    )
