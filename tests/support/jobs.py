"""Real job workers for tests: Celery worker processes on a real Redis, as production runs them.

A `Cluster` is a data directory, a Redis database, the processes (`Stack`) and what the
test process needs to drive them: the catalog, the job store and the queue.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from byosc.bootstrap import open_catalog, open_job_store
from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, Job, SourceSpec
from byosc.jobs.control import request_refresh, wait_for_job
from byosc.jobs.sql import SqlJobStore
from byosc.settings import Settings
from services.common.jobqueue import CeleryJobQueue, open_job_queue
from services.stack import DEFAULT_PORTS, Stack
from tests.support.modelserver import free_port

REDIS_URL = os.environ.get("BYOSC_TEST_REDIS_URL", "redis://127.0.0.1:6379")


@dataclass
class Cluster:
    stack: Stack
    settings: Settings
    catalog: SqlCatalog
    jobs: SqlJobStore
    queue: CeleryJobQueue

    def local_course(self, course_id: str, folder: Path) -> str:
        spec = SourceSpec(kind="local", path=str(folder))
        self.catalog.create_course(Course(id=course_id, name=course_id, source=spec))
        return course_id

    def start_refresh(self, course_id: str) -> tuple[Job, bool]:
        return request_refresh(self.catalog, self.jobs, self.queue, self.settings, course_id)

    def wait(self, job_id: str, timeout_s: float = 90.0) -> Job:
        job = wait_for_job(self.jobs, job_id, timeout_s, poll_s=0.1)
        assert job.finished, f"job still {job.state} after {timeout_s}s: {job.progress}"
        return job

    def refresh(self, course_id: str) -> Job:
        return self.wait(self.start_refresh(course_id)[0].id)

    def wait_until(self, check: object, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not check():  # type: ignore[operator]
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The settings a worker must share with the test process, as environment variables."""
    q = settings.queue
    env = {
        "BYOSC_HOME": str(settings.home),
        "BYOSC_QUEUE__BROKER_URL": str(q.broker_url),
        "BYOSC_QUEUE__RESULT_BACKEND": str(q.result_backend),
        "BYOSC_QUEUE__VISIBILITY_TIMEOUT_S": str(q.redelivery_after_s),
        "BYOSC_QUEUE__MAX_ATTEMPTS": str(q.max_attempts),
        "BYOSC_SOURCES__ALLOWED_ROOTS": json.dumps(
            [str(r) for r in settings.sources.allowed_roots]
        ),
    }
    return {**env, **extra}


@contextmanager
def cluster(
    data_dir: Path,
    home: Path,
    redis_db: int,
    allowed_root: Path,
    *,
    with_inference: bool = True,
    env: dict[str, str] | None = None,
    **queue: object,
) -> Iterator[Cluster]:
    """Processes are started by the caller (`stack.start`); all are stopped at the end."""
    url = f"{REDIS_URL}/{redis_db}"
    redis.Redis.from_url(url).flushdb()
    settings = Settings(
        home=home,
        data_dir=data_dir,
        queue={"broker_url": url, "result_backend": url, **queue},  # type: ignore[arg-type]
        sources={"allowed_roots": [allowed_root]},  # type: ignore[arg-type]
    )
    ports = {**DEFAULT_PORTS, "inference": free_port()} if with_inference else {}
    stack = Stack(data_dir=data_dir, ports=ports, extra_env=worker_env(settings, **(env or {})))
    catalog = open_catalog(settings)
    queue_client = open_job_queue(settings)
    try:
        yield Cluster(stack, settings, catalog, open_job_store(catalog), queue_client)
    finally:
        stack.stop_all()
        queue_client.close()
        catalog.close()
