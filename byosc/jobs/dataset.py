"""Runs a dataset job: one instruction-set generation for a course, progress in the job row."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from byosc.domain import DatasetVersion
from byosc.errors import ByoscError
from byosc.instructions.build import DatasetBuilder
from byosc.jobs.control import start_job
from byosc.jobs.sql import SqlJobStore
from byosc.settings import Settings

log = logging.getLogger(__name__)
# A dataset job's param naming the refresh it follows: the course's training policy
# (byosc.schedules.policy) applies to such a dataset only.
AFTER_REFRESH = "after_refresh"


def run_dataset_job(
    jobs: SqlJobStore, builder: DatasetBuilder, job_id: str
) -> DatasetVersion | None:
    """None when the job is gone, already finished, or failed (its error says why)."""
    job = jobs.begin(job_id, "starting")
    if job is None:
        return None
    try:
        version = builder.build(
            job.course_id,
            lambda step, done, total: jobs.set_step(job_id, step, done=done, total=total),
        )
    except ByoscError as exc:
        jobs.fail_job(job_id, str(exc))
        return None
    except Exception as exc:
        log.exception("dataset job %s failed", job_id)
        jobs.fail_job(job_id, f"{type(exc).__name__}: {exc}")
        raise
    kept = version.report.kept
    jobs.succeed(job_id, f"dataset version {version.version}: {version.pairs} pairs ({kept} new)")
    return version


class DatasetContext(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def jobs(self) -> SqlJobStore: ...

    @property
    def dataset_builder(self) -> DatasetBuilder: ...


def chain_after_refresh(ctx: DatasetContext, job_id: str, enqueue: Callable[[str], None]) -> None:
    """Once a refresh that changed documents has finished, generate the next dataset version
    (only the new and changed documents get new pairs)."""
    if not ctx.settings.datasets.after_refresh:
        return
    job = ctx.jobs.get(job_id, items=False)
    if job is None or job.kind != "refresh" or not job.finished:
        return
    changes = job.changes
    if changes.added + changes.updated + changes.deleted:
        params = {AFTER_REFRESH: job.id}
        start_job(ctx.jobs, ctx.settings, job.course_id, "dataset", enqueue, params)
