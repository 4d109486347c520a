"""Watching a job from the terminal: a progress bar until it ends, or plain lines when the
output is a log or a file, where a bar would print nothing until the end."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

import typer

from byosc.domain import Job
from byosc.errors import ByoscError, NotFound
from byosc.jobs.sql import SqlJobStore
from cli.job_views import BarView, JobView, PlainLinesView

POLL_S = 0.3
EXIT_CODES = {"succeeded": 0, "partial": 2, "failed": 1, "cancelled": 1}


def watch_job(
    jobs: SqlJobStore,
    job_id: str,
    *,
    show: bool,
    alive: Callable[[], bool] = lambda: True,
    stream: TextIO | None = None,
) -> Job:
    """Polls the job until it ends, showing its progress on `stream` (stderr) when `show`;
    `alive` turning False means no one will finish it."""
    with _view(stream or sys.stderr, show) as view:
        while True:
            job = _read(jobs, job_id)
            if job.finished:
                view.finish(job.state, job.error or job.progress.step, job.progress)
                return _read(jobs, job_id, items=True)
            view.update(_step(jobs, job), job.progress)
            if not alive():
                raise ByoscError(f"the worker stopped before job {job_id} ended")
            time.sleep(POLL_S)


def _view(stream: TextIO, show: bool) -> JobView:
    if show and stream.isatty():
        return BarView(stream)
    return PlainLinesView(stream if show else None)


def _read(jobs: SqlJobStore, job_id: str, *, items: bool = False) -> Job:
    if (job := jobs.get(job_id, items=items)) is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


def _step(jobs: SqlJobStore, job: Job) -> str:
    running = jobs.items(job.id, states=("running",)) if job.state == "running" else []
    if running:
        item = running[0]
        return f"{item.filename}: {item.step}"
    return job.progress.step or job.state


def show_job(job: Job) -> None:
    c = job.changes
    took = f" in {job.duration_s:.1f}s" if job.duration_s is not None else ""
    typer.echo(
        f"refresh {job.id}: {job.state}{took}: {c.added} added, {c.updated} updated, "
        f"{c.deleted} deleted, {c.unchanged} unchanged"
    )
    for item in job.items:
        if item.note:
            typer.echo(f"  note: {item.filename}: {item.note}")
    for error in job.errors:
        typer.secho(f"  failed {error.filename}: {error.reason}", fg="red", err=True)
    if job.error:
        typer.secho(f"  error: {job.error}", fg="red", err=True)
