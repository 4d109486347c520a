"""The ingest Celery app, built from settings, and the worker that runs its tasks.

Production: a Redis broker (`queue.broker_url`), queues `cpu` (documents), `gpu`
(recordings, adapter training) and `llm` (instruction sets). Embedded: kombu's filesystem
transport in the data directory and results in SQLite, so a real worker process runs the
same tasks with no server.

`python -m services.ingest.worker` (or `byosc worker`) runs one worker.
"""

from __future__ import annotations

import argparse
import os
from typing import IO

from celery import Celery, signals

from byosc.settings import Settings
from services.common.jobqueue import configure_celery
from services.common.logs import configure_logging
from services.common.startup import settings_or_exit
from services.ingest.context import WorkerContext
from services.ingest.presence import hold_presence

# Backstop for Celery's own retry count; the attempt counter in the DB decides first.
DEFAULT_MAX_RETRIES = 5


class IngestCelery(Celery):
    """A Celery app that carries its settings and a per-process WorkerContext."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            "byosc-ingest", include=["services.ingest.tasks", "services.trainer.tasks"]
        )
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


def create_celery(settings: Settings) -> IngestCelery:
    app = IngestCelery(settings)
    configure_celery(app, settings)
    return app


def run_worker(settings: Settings, *, loglevel: str = "INFO") -> None:
    """Runs a worker in this process until it is stopped (SIGTERM: finish the current task)."""
    configure_logging("worker", settings.logs.model_copy(update={"level": loglevel}))
    app = create_celery(settings)
    presence: list[IO[bytes]] = []

    def on_ready(**_: object) -> None:
        presence.append(hold_presence(settings))

    def on_child_start_or_stop(**_: object) -> None:
        app.close_context()

    def keep_our_logging(**_: object) -> None:
        """Connected, this tells Celery to leave logging as configure_logging set it."""

    signals.setup_logging.connect(keep_our_logging, weak=False)
    signals.worker_ready.connect(on_ready, weak=False)
    signals.worker_process_init.connect(on_child_start_or_stop, weak=False)
    signals.worker_process_shutdown.connect(on_child_start_or_stop, weak=False)
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
    parser = argparse.ArgumentParser(prog="python -m services.ingest.worker")
    parser.add_argument("--loglevel", help="default: the settings' logs.level")
    args = parser.parse_args()
    settings = settings_or_exit("worker")
    run_worker(settings, loglevel=args.loglevel or settings.logs.level)


if __name__ == "__main__":
    main()
