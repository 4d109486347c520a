"""The ingest Celery app, built from settings, and the worker that runs its tasks.

Production: a Redis broker (`queue.broker_url`), queues `cpu` (documents), `gpu`
(recordings, adapter training) and `llm` (instruction sets). Embedded: kombu's filesystem
transport in the data directory and results in SQLite, so a real worker process runs the
same tasks with no server.

`python -m services.ingest.worker` (or `byosc worker`) runs one worker.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import IO, Any

from celery import Celery, signals

from byosc.settings import Settings
from services.ingest.context import WorkerContext
from services.ingest.presence import hold_presence
from services.ingest.queue import GENERATE_DATASET, PROCESS_DOCUMENT, REFRESH_COURSE, TRAIN_ADAPTER

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


def uses_filesystem_broker(settings: Settings) -> bool:
    url = settings.queue.broker_url
    return url is None or url.startswith("filesystem:")


def broker_settings(settings: Settings) -> tuple[str, dict[str, Any]]:
    options: dict[str, Any] = {"visibility_timeout": settings.queue.visibility_timeout_s}
    if not uses_filesystem_broker(settings):
        return str(settings.queue.broker_url), options
    folder = settings.queue_path
    for name in ("messages", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    options.update(
        data_folder_in=str(folder / "messages"),
        data_folder_out=str(folder / "messages"),
        processed_folder=str(folder / "processed"),
        control_folder=str(folder / "control"),
        # Seconds between looks at the queue folder: a prefetch-1 worker also waits this
        # long for its next task after each one, so it is kept short; a look is one listdir.
        polling_interval=0.02,
    )
    return "filesystem://localhost//", options


def result_backend(settings: Settings) -> str:
    if settings.queue.result_backend:
        return settings.queue.result_backend
    settings.data_path.mkdir(parents=True, exist_ok=True)
    return f"db+sqlite:///{settings.data_path / 'celery-results.db'}"


def create_celery(settings: Settings) -> IngestCelery:
    app = IngestCelery(settings)
    broker, transport_options = broker_settings(settings)
    app.conf.update(
        broker_url=broker,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        result_backend=result_backend(settings),
        result_expires=24 * 3600,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue="cpu",
        task_routes={
            REFRESH_COURSE: {"queue": "cpu"},
            PROCESS_DOCUMENT: {"queue": "cpu"},
            GENERATE_DATASET: {"queue": "llm"},
            TRAIN_ADAPTER: {"queue": "gpu"},
        },
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Loading the embedding model takes longer than Celery's default child start limit.
        worker_proc_alive_timeout=120,
        task_annotations={
            name: {"max_retries": settings.queue.max_attempts}
            for name in (REFRESH_COURSE, PROCESS_DOCUMENT, GENERATE_DATASET)
        },
    )
    return app


def run_worker(settings: Settings, *, loglevel: str = "INFO") -> None:
    """Runs a worker in this process until it is stopped (SIGTERM: finish the current task)."""
    app = create_celery(settings)
    presence: list[IO[bytes]] = []

    def on_ready(**_: object) -> None:
        presence.append(hold_presence(settings))

    def on_child_start_or_stop(**_: object) -> None:
        app.close_context()

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
    parser.add_argument("--loglevel", default="INFO")
    args = parser.parse_args()
    logging.basicConfig(level=args.loglevel)
    run_worker(Settings(), loglevel=args.loglevel)


if __name__ == "__main__":
    main()
