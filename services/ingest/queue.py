"""CeleryJobQueue: the JobQueue port over Celery; tasks are sent by name, never imported."""

from __future__ import annotations

from celery import Celery

REFRESH_COURSE = "ingest.refresh_course"
PROCESS_DOCUMENT = "ingest.process_document"
GENERATE_DATASET = "instructions.generate_dataset"
TRAIN_ADAPTER = "trainer.train_adapter"


class CeleryJobQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue_refresh(self, job_id: str) -> None:
        self.app.send_task(REFRESH_COURSE, args=[job_id])

    def enqueue_dataset(self, job_id: str) -> None:
        self.app.send_task(GENERATE_DATASET, args=[job_id], queue="llm")

    def enqueue_train(self, job_id: str) -> None:
        self.app.send_task(TRAIN_ADAPTER, args=[job_id], queue="gpu")

    def close(self) -> None:
        self.app.close()
