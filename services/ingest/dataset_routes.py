"""Instruction datasets: generate a version (a job on the `llm` queue), list, inspect, export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from byosc.datasets.export import TRAINING_SYSTEM_PROMPT, to_chat_records
from byosc.domain import JobAccepted
from byosc.errors import NotFound
from byosc.instructions.models import DatasetVersion, InstructionPair, Split
from byosc.jobs.control import start_job
from services.ingest.dependencies import (
    CatalogDep,
    DatasetsDep,
    JobsDep,
    QueueDep,
    SettingsDep,
)

router = APIRouter(tags=["datasets"])
SAMPLE = 10
# Versions are SQL INTEGERs (32 bits in PostgreSQL): a larger number is refused with 422
# instead of failing in the database.
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]


class VersionDetail(BaseModel):
    version: DatasetVersion
    sample: list[InstructionPair]


@router.post("/courses/{course_id}/datasets", status_code=202)
def generate_dataset(
    course_id: str, catalog: CatalogDep, jobs: JobsDep, queue: QueueDep, settings: SettingsDep
) -> JobAccepted:
    """Generates the course's next dataset version: pairs for new and changed documents,
    carried over for the rest. While one is being generated, returns that job."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    job, created = start_job(jobs, settings, course_id, "dataset", queue.enqueue_dataset)
    return JobAccepted(job_id=job.id, state=job.state, created=created)


@router.get("/courses/{course_id}/datasets")
def list_datasets(course_id: str, catalog: CatalogDep, store: DatasetsDep) -> list[DatasetVersion]:
    """Versions, newest first, each with its generation report."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    return store.list_versions(course_id)


@router.get("/courses/{course_id}/datasets/{version}")
def get_dataset(course_id: str, version: Version, store: DatasetsDep) -> VersionDetail:
    """The version's report and a sample of its pairs."""
    found = _version(store, course_id, version)
    return VersionDetail(version=found, sample=store.pairs(course_id, version)[:SAMPLE])


@router.get(
    "/courses/{course_id}/datasets/{version}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export_dataset(
    course_id: str,
    version: Version,
    store: DatasetsDep,
    split: Split | None = Query(default=None, description="Only this split."),
) -> StreamingResponse:
    """JSON lines in chat format (`messages` with system, user, assistant), ready for the
    trainer; the model formats them with its own chat template."""
    _version(store, course_id, version)
    records = to_chat_records(store.pairs(course_id, version, split), TRAINING_SYSTEM_PROMPT)
    return StreamingResponse(_lines(records), media_type="application/x-ndjson")


def _lines(records: list[dict[str, object]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def _version(store: DatasetsDep, course_id: str, version: int) -> DatasetVersion:
    found = store.get_version(course_id, version)
    if found is None:
        raise NotFound(f"course {course_id} has no dataset version {version}")
    return found
