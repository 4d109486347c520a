"""`byosc refresh` and `byosc worker`: the refresh job from the terminal.

The job queue is Celery (services/ingest), imported only by these commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from byosc.domain import Job
from byosc.errors import ByoscError
from byosc.jobs.control import request_refresh, resume_orphaned, start_job
from byosc.jobs.settings import QueueSettings
from byosc.ports import JobQueue
from byosc.settings import Settings
from cli.progress import EXIT_CODES, show_job, watch_job
from cli.refusals import plain
from cli.runtime import Runtime

if TYPE_CHECKING:
    from services.ingest.embedded import EmbeddedWorker


def refresh(
    course: Annotated[str, typer.Option("--course", "-c", help="Course ID.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the job as JSON.")] = False,
) -> None:
    """Sync the course's index with its source through the job queue, showing progress.

    Exit code: 0 succeeded, 2 partial (some documents failed), 1 failed."""
    from services.common.jobqueue import open_job_queue
    from services.ingest.embedded import EmbeddedWorker

    settings = Settings()
    # Only the catalog and the job store are opened here: the worker owns the index.
    with Runtime(settings) as rt:
        if rt.catalog.get_course(course) is None:
            typer.secho(f"error: course {course} does not exist", fg="red", err=True)
            raise typer.Exit(code=1)
        with EmbeddedWorker(settings) as embedded:
            queue = open_job_queue(settings)
            try:
                job = _start_and_watch(rt, queue, course, embedded, as_json)
            except ByoscError as exc:
                typer.secho(f"error: {exc}", fg="red", err=True)
                raise typer.Exit(code=1) from exc
            finally:
                queue.close()
    typer.echo(job.model_dump_json(indent=2)) if as_json else show_job(job)
    raise typer.Exit(code=EXIT_CODES.get(job.state, 1))


def _start_and_watch(
    rt: Runtime, queue: JobQueue, course: str, embedded: EmbeddedWorker, as_json: bool
) -> Job:
    job, created = request_refresh(rt.catalog, rt.jobs, queue, rt.settings, course)
    if not created and embedded.started:
        # The job is active but no worker was running: whatever ran it died mid-way.
        resume_orphaned(rt.jobs, queue, job.id)
    if not created and not as_json:
        typer.echo(f"a refresh of {course} is already {job.state}: watching job {job.id}")
    job = watch_job(rt.jobs, job.id, show=not as_json, alive=embedded.alive)
    _follow_dataset(rt, queue, job, embedded, as_json)
    return job


def _follow_dataset(
    rt: Runtime, queue: JobQueue, refresh: Job, embedded: EmbeddedWorker, as_json: bool
) -> None:
    """Waits for the dataset version a changing refresh leads to, so the worker this command
    started does not stop with it queued. Starting it here too is harmless: one dataset job
    per course runs at a time, and a version with nothing new is not written again."""
    changes = refresh.changes
    if not rt.settings.datasets.after_refresh or refresh.state == "failed":
        return
    if not (changes.added + changes.updated + changes.deleted):
        return
    dataset, _ = start_job(
        rt.jobs, rt.settings, refresh.course_id, "dataset", queue.enqueue_dataset
    )
    watch_job(rt.jobs, dataset.id, show=not as_json, alive=embedded.alive)


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Worker processes (default: queue.concurrency).")
    ] = None,
    queues: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated queues among cpu (documents), llm (instruction sets), "
            "transcribe (recordings), train (adapter training); default: queue.queues, all four."
        ),
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
) -> None:
    """Run a job worker in the foreground (Ctrl-C finishes the current document, then stops).

    Production runs one per kind of work: `--queues cpu,llm`, `--queues transcribe
    --concurrency 1` and `--queues train --concurrency 1`, each from its own image."""
    from services.ingest.worker import run_worker

    settings = Settings()
    update: dict[str, object] = {}
    if concurrency is not None:
        update["concurrency"] = concurrency
    if queues is not None:
        update["queues"] = queues
    try:  # validated like the environment's settings: `gpu` is refused with the new names
        chosen = QueueSettings.model_validate({**settings.queue.model_dump(), **update})
    except ValidationError as exc:
        typer.secho(f"error: {plain(exc)}", fg="red", err=True)
        raise typer.Exit(code=2) from exc
    run_worker(settings.model_copy(update={"queue": chosen}), loglevel=loglevel)
