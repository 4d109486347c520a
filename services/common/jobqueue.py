"""The job queue every process shares: task names and their queues, the Celery
configuration (broker, backend, late acks), and CeleryJobQueue, the JobQueue port.

Services send tasks by name and never import a task; the worker (services/ingest/worker.py)
runs them. Embedded: kombu's filesystem transport in the data directory; production: Redis.
Each task has one queue and one kind of time limit (`queue.time_limits`), which the worker
that runs it applies from its own settings.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from byosc.jobs.settings import QueueName, TimeLimits
from byosc.settings import Settings
from services.common import filesystem_broker
from services.common.job_request_ids import carry_request_ids

REFRESH_COURSE = "ingest.refresh_course"
PROCESS_DOCUMENT = "ingest.process_document"
PROCESS_RECORDING = "ingest.process_recording"
GENERATE_DATASET = "instructions.generate_dataset"
TRAIN_ADAPTER = "trainer.train_adapter"
# The beat's tick: starts the due scheduled refreshes (byosc.schedules). Quick DB work only.
SCHEDULED_REFRESHES = "ingest.scheduled_refreshes"
# Recordings and training have queues of their own: an hours-long training must not hold
# back every recording, and each gets its own worker (and GPU) in production.
QUEUE_OF: dict[str, str] = {
    REFRESH_COURSE: "cpu",
    PROCESS_DOCUMENT: "cpu",
    PROCESS_RECORDING: "transcribe",
    GENERATE_DATASET: "llm",
    TRAIN_ADAPTER: "train",
    SCHEDULED_REFRESHES: "cpu",
}
# The field of `queue.time_limits` that bounds each task.
LIMIT_OF: dict[str, str] = {
    REFRESH_COURSE: "documents",
    PROCESS_DOCUMENT: "documents",
    PROCESS_RECORDING: "recordings",
    GENERATE_DATASET: "instruction_sets",
    TRAIN_ADAPTER: "training",
    SCHEDULED_REFRESHES: "documents",
}
# The task modules a worker imports for the queues it consumes: a `train` worker runs from
# the trainer image, which has none of the document and speech libraries.
TASK_MODULES: dict[str, tuple[QueueName, ...]] = {
    "services.ingest.tasks": ("cpu", "llm", "transcribe"),
    "services.trainer.tasks": ("train",),
}


def task_modules(queues: list[QueueName]) -> list[str]:
    return [module for module, served in TASK_MODULES.items() if set(served) & set(queues)]


def time_limit_setting(task_name: str, bound: str = "soft") -> str:
    """The variable that sets a task's time limit, as its failures name it."""
    return f"BYOSC_QUEUE__TIME_LIMITS__{LIMIT_OF[task_name].upper()}__{bound.upper()}_S"


def _annotations(settings: Settings) -> dict[str, dict[str, Any]]:
    limits: TimeLimits = settings.queue.time_limits
    annotations: dict[str, dict[str, Any]] = {}
    for name, kind in LIMIT_OF.items():
        limit = getattr(limits, kind)
        annotations[name] = {"soft_time_limit": limit.soft_s, "time_limit": limit.hard_s}
        if name != TRAIN_ADAPTER:  # a training is not retried: it would fail the same way
            annotations[name]["max_retries"] = settings.queue.max_attempts
    return annotations


class CeleryJobQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue_refresh(self, job_id: str) -> None:
        self.app.send_task(REFRESH_COURSE, args=[job_id])

    def enqueue_dataset(self, job_id: str) -> None:
        self.app.send_task(GENERATE_DATASET, args=[job_id], queue=QUEUE_OF[GENERATE_DATASET])

    def enqueue_train(self, job_id: str) -> None:
        self.app.send_task(TRAIN_ADAPTER, args=[job_id], queue=QUEUE_OF[TRAIN_ADAPTER])

    def close(self) -> None:
        self.app.close()


def open_job_queue(settings: Settings) -> CeleryJobQueue:
    """A client that only sends tasks (the services, the CLI)."""
    return CeleryJobQueue(configure_celery(Celery("byosc"), settings))


def uses_filesystem_broker(settings: Settings) -> bool:
    url = settings.queue.broker_url
    return url is None or url.startswith("filesystem:")


def broker_settings(settings: Settings) -> tuple[str, dict[str, Any]]:
    options: dict[str, Any] = {"visibility_timeout": settings.queue.redelivery_after_s}
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


def configure_celery(app: Celery, settings: Settings) -> Celery:
    """Broker, result backend, serializers, routes and the late-ack policy every task uses.
    Every process that sends or runs tasks configures Celery here, so each one also hands
    request IDs on through the tasks it sends and runs."""
    carry_request_ids()
    broker, transport_options = broker_settings(settings)
    app.conf.update(
        broker_url=broker,
        # Embedded: kombu's filesystem transport with whole messages (filesystem_broker).
        broker_transport=filesystem_broker.TRANSPORT if uses_filesystem_broker(settings) else None,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        result_backend=result_backend(settings),
        result_expires=24 * 3600,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue="cpu",
        task_routes={name: {"queue": queue} for name, queue in QUEUE_OF.items()},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Loading the embedding model takes longer than Celery's default child start limit.
        worker_proc_alive_timeout=120,
        task_annotations=_annotations(settings),
    )
    return app
