"""Training jobs: a course adapter trained on a dataset version, on the `train` queue."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from byosc.domain import JobAccepted
from byosc.errors import NotFound
from byosc.jobs.control import start_job
from byosc.jobs.training import training_params
from services.trainer.dependencies import CatalogDep, JobsDep, QueueDep, SettingsDep

router = APIRouter(tags=["training"])


class TrainRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {},
                {"dataset_version": 2, "hyperparameters": {"max_steps": 40, "rank": 8}},
            ]
        }
    )

    dataset_version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,  # an SQL INTEGER: larger is a 422, not a database error
        description="The dataset version to train on; default: the latest.",
    )
    hyperparameters: dict[str, Any] | None = Field(
        default=None,
        description="Overrides of the settings' defaults (training.hyperparameters): rank, "
        "alpha, learning_rate, epochs, max_steps, batch_size, qlora, ...",
        examples=[{"max_steps": 40, "rank": 8}],
    )


@router.post("/courses/{course_id}/train", status_code=202)
def train_course(
    course_id: str,
    catalog: CatalogDep,
    jobs: JobsDep,
    queue: QueueDep,
    settings: SettingsDep,
    body: TrainRequest | None = None,
) -> JobAccepted:
    """Trains a LoRA adapter for the course, evaluates it against the base model on the
    dataset's held-out pairs, registers it, and promotes it if it passes the rule. Progress
    (step, loss, tokens/s, ETA) is in GET /jobs/{id}. While one is queued or running, returns
    that job instead of starting another."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    body = body or TrainRequest()
    try:
        params = training_params(settings, body.dataset_version, body.hyperparameters)
    except ValidationError as exc:
        raise HTTPException(422, detail=json.loads(exc.json(include_url=False))) from exc
    job, created = start_job(jobs, settings, course_id, "train", queue.enqueue_train, params)
    return JobAccepted(job_id=job.id, state=job.state, created=created)
