"""Watching a job from the terminal: a progress bar until it ends."""

from __future__ import annotations

import time
from collections.abc import Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from byosc.domain import Job
from byosc.errors import ByoscError, NotFound
from byosc.jobs.sql import SqlJobStore

POLL_S = 0.3
EXIT_CODES = {"succeeded": 0, "partial": 2, "failed": 1, "cancelled": 1}


def watch_job(
    jobs: SqlJobStore, job_id: str, *, show: bool, alive: Callable[[], bool] = lambda: True
) -> Job:
    """Polls the job until it ends; `alive` turning False means no one will finish it."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    console = Console(stderr=True)
    with Progress(*columns, TimeElapsedColumn(), console=console, disable=not show) as bar:
        task = bar.add_task("queued", total=None)
        while True:
            job = _read(jobs, job_id)
            figures = job.progress.figures  # a training job counts steps, not documents
            total = job.progress.total or figures.get("total_steps") or None
            done = job.progress.done or figures.get("step", 0)
            bar.update(task, total=total, completed=done, description=_step(jobs, job))
            if job.finished:
                return _read(jobs, job_id, items=True)
            if not alive():
                raise ByoscError(f"the worker stopped before job {job_id} ended")
            time.sleep(POLL_S)


def _read(jobs: SqlJobStore, job_id: str, *, items: bool = False) -> Job:
    if (job := jobs.get(job_id, items=items)) is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


def _step(jobs: SqlJobStore, job: Job) -> str:
    running = jobs.items(job.id, states=("running",)) if job.state == "running" else []
    if running:
        item = running[0]
        return f"{item.filename}: {item.step}"[:70]
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
