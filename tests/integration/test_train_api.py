"""POST /courses/{id}/train: validated, queued on `train` for a worker, one job per course."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from byosc.domain import Course
from byosc.settings import Settings
from services.trainer.app import create_app


@pytest.fixture
def trainer(tmp_path: Path, byosc_home: Path) -> Iterator[TestClient]:
    settings = Settings(home=byosc_home, data_dir=tmp_path / "data")
    with TestClient(create_app(settings)) as client:
        client.app.state.catalog.create_course(Course(id="os", name="Operating Systems"))  # type: ignore[attr-defined]
        yield client


def _queued(settings: Settings) -> list[dict]:
    folder = settings.queue_path / "messages"
    return [json.loads(path.read_text()) for path in sorted(folder.iterdir())]


def test_a_training_job_is_queued_on_train_with_its_hyperparameters_once_per_course(
    trainer: TestClient,
) -> None:
    accepted = trainer.post("/courses/os/train", json={"hyperparameters": {"max_steps": 7}})
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    assert accepted.json()["created"] is True

    again = trainer.post("/courses/os/train", json={})
    assert again.status_code == 202
    assert (again.json()["job_id"], again.json()["created"]) == (job_id, False)

    state = trainer.app.state  # type: ignore[attr-defined]
    job = state.jobs.get(job_id)
    assert (job.kind, job.state) == ("train", "queued")
    hp = job.params["hyperparameters"]
    assert hp["max_steps"] == 7 and hp["rank"] == state.settings.training.hyperparameters.rank
    assert job.params["dataset_version"] is None
    (message,) = _queued(state.settings)
    assert message["headers"]["task"] == "trainer.train_adapter"
    assert message["headers"]["argsrepr"] == repr([job_id])
    assert message["properties"]["delivery_info"]["routing_key"] == "train"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"hyperparameters": {"rank": 0}}, 422),
        ({"hyperparameters": {"learning_rte": 0.1}}, 422),
        ({"dataset_version": 0}, 422),
    ],
)
def test_bad_training_requests_are_refused_before_anything_is_queued(
    trainer: TestClient, body: dict, status: int
) -> None:
    assert trainer.post("/courses/os/train", json=body).status_code == status
    assert trainer.post("/courses/nope/train", json={}).status_code == 404
    state = trainer.app.state  # type: ignore[attr-defined]
    assert not (state.settings.queue_path / "messages").exists() or not _queued(state.settings)
