"""The worker's Celery app, built from settings, and the worker that runs its tasks.

Production: a Redis broker (`queue.broker_url`) and one worker per kind of work: `cpu`
(documents) with `llm` (instruction sets), `transcribe` (recordings), `train` (adapter
training). A worker imports only the tasks of the queues it consumes, so a `train` worker
runs the trainer's task alone, from the trainer image. Embedded: one worker on all four
queues, kombu's filesystem transport in the data directory and results in SQLite, so a real
worker process runs the same tasks with no server.

`python -m services.ingest.worker` (or `byosc worker --queues ...`) runs one worker.
"""

from __future__ import annotations

import os
from typing import IO

from celery import Celery, signals

from byosc.settings import Settings
from services.common.jobqueue import CeleryJobQueue, configure_celery, task_modules
from services.common.time_limits import arm_soft_limit, fail_timed_out_work
from services.ingest import process_start
from services.ingest.context import WorkerContext
from services.ingest.orphans import resume_orphaned_refreshes
from services.ingest.presence import hold_presence

# Backstop for Celery's own retry count; the attempt counter in the DB decides first.
DEFAULT_MAX_RETRIES = 5


class WorkerCelery(Celery):
    """A Celery app that carries its settings and a per-process WorkerContext; it includes
    the task modules of the queues in `settings.queue.queues`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("byosc-worker", include=task_modules(settings.queue.queues))
        self.settings = settings
        self._context: WorkerContext | None = None
        self._context_pid = 0

    def context(self) -> WorkerContext:
        if self._context is None or self._context_pid != os.getpid():
            self._context, self._context_pid = WorkerContext(self.settings), os.getpid()
        return self._context

    def close_context(self) -> None:
        if self._context is not None and self._context_pid == os.getpid():
            self._context.close()
        self._context = None


def create_celery(settings: Settings) -> WorkerCelery:
    app = WorkerCelery(settings)
    configure_celery(app, settings)
    return app


def run_worker(settings: Settings, *, loglevel: str = "INFO") -> None:
    """Runs a worker in this process until it is stopped (SIGTERM: finish the current task)."""
    process_start.prepare("worker", settings, loglevel)
    app = create_celery(settings)
    presence: list[IO[bytes]] = []

    def on_ready(**_: object) -> None:
        with WorkerContext(settings) as context:
            resume_orphaned_refreshes(settings, context.jobs, CeleryJobQueue(app))
        presence.append(hold_presence(settings))

    def on_child_start_or_stop(**_: object) -> None:
        app.close_context()

    signals.worker_ready.connect(on_ready, weak=False)
    signals.worker_process_init.connect(on_child_start_or_stop, weak=False)
    signals.worker_process_shutdown.connect(on_child_start_or_stop, weak=False)
    # The main process opens a context only to fail work a hard time limit killed.
    signals.worker_shutdown.connect(on_child_start_or_stop, weak=False)
    signals.task_prerun.connect(arm_soft_limit, weak=False)
    signals.task_failure.connect(fail_timed_out_work, weak=False)
    app.worker_main(
        [
            "worker",
            f"--concurrency={settings.queue.concurrency}",
            f"--queues={','.join(settings.queue.queues)}",
            f"--loglevel={loglevel}",
            f"--hostname=byosc-{os.getpid()}@%h",
            "--without-mingle",
            "--without-gossip",
        ]
    )


def main() -> None:
    process_start.main("worker", run_worker)


if __name__ == "__main__":
    main()
