"""The ingest service's job metrics: jobs by kind and state from the metadata DB and
messages waiting on each queue, on the embedded filesystem broker (the real app, in
process, with no worker) and on a real Redis; a DB or broker that is down leaves its
metric out without failing the scrape."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from celery import Celery
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from byosc.catalog.sql import open_engine
from byosc.request_ids import HEADER
from byosc.settings import Settings
from services.common.jobqueue import REFRESH_COURSE, TRAIN_ADAPTER, configure_celery
from services.ingest.app import create_app
from services.ingest.metrics import job_metrics
from tests.support.jobs import REDIS_URL

pytestmark = pytest.mark.slow

# A Redis database no other test module uses.
REDIS_DB_URL = f"{REDIS_URL}/10"


def _samples(metrics_text: str, name: str) -> dict[tuple[str, ...], float]:
    return {
        tuple(sample.labels.values()): sample.value
        for family in text_string_to_metric_families(metrics_text)
        if family.name == name
        for sample in family.samples
    }


@pytest.fixture
def ingest(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _depths(**waiting: int) -> dict[tuple[str, ...], float]:
    """Queue depth samples: every queue, 0 unless given."""
    return {(q,): waiting.get(q, 0) for q in ("cpu", "llm", "train", "transcribe")}


def test_jobs_by_state_and_the_queued_message_show_after_a_refresh_is_asked_for(
    ingest: TestClient, settings: Settings
) -> None:
    before = ingest.get("/metrics").text
    assert _samples(before, "byosc_jobs")[("refresh", "queued")] == 0
    assert _samples(before, "byosc_queue_depth") == _depths(cpu=0)

    for course in ("m1", "m2"):
        assert ingest.post("/courses", json={"id": course, "name": course}).status_code == 201
    first = ingest.post("/courses/m1/refresh", headers={HEADER: "refresh-m1"}).json()["job_id"]
    ingest.post("/courses/m2/refresh")
    ingest.app.state.jobs.fail_job(first, "stopped by the test")  # type: ignore[attr-defined]

    after = ingest.get("/metrics").text
    jobs = _samples(after, "byosc_jobs")
    assert (jobs[("refresh", "queued")], jobs[("refresh", "failed")]) == (1, 1)
    assert jobs[("train", "running")] == 0
    assert _samples(after, "byosc_queue_depth") == _depths(cpu=2)

    # The message carries the ID of the request that queued it, for the worker's logs.
    waiting = sorted((settings.queue_path / "messages").glob("*.cpu.msg"))
    headers = [json.loads(path.read_bytes())["headers"] for path in waiting]
    assert [h["task"] for h in headers] == [REFRESH_COURSE, REFRESH_COURSE]
    assert headers[0]["byosc_request_id"] == "refresh-m1"
    assert headers[1]["byosc_request_id"] not in (None, "refresh-m1")


@pytest.fixture
def redis_settings(tmp_path: Path) -> Iterator[Settings]:
    broker = redis.Redis.from_url(REDIS_DB_URL)
    broker.flushdb()
    yield Settings(data_dir=tmp_path / "data", queue={"broker_url": REDIS_DB_URL})  # type: ignore[arg-type]
    broker.flushdb()
    broker.close()


def test_queue_depth_on_redis_counts_messages_of_every_priority(redis_settings: Settings) -> None:
    sender = configure_celery(Celery("test-sender"), redis_settings)
    engine = open_engine(redis_settings.database_url)
    registry = CollectorRegistry()
    try:
        with job_metrics(registry, redis_settings, engine):
            sender.send_task(REFRESH_COURSE, args=["j1"])
            sender.send_task(REFRESH_COURSE, args=["j2"], priority=5)
            sender.send_task(TRAIN_ADAPTER, args=["j3"])  # routed to `train`
            depth = _samples(generate_latest(registry).decode(), "byosc_queue_depth")
        assert depth == _depths(cpu=2, train=1)
        assert not _samples(generate_latest(registry).decode(), "byosc_queue_depth")
    finally:
        sender.close()
        engine.dispose()


def test_a_database_and_broker_that_are_down_leave_their_metrics_out_of_a_working_scrape(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    down = Settings(data_dir=tmp_path / "data", queue={"broker_url": "redis://127.0.0.1:1/0"})  # type: ignore[arg-type]
    engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    registry = CollectorRegistry()
    try:
        with job_metrics(registry, down, engine), caplog.at_level(logging.WARNING):
            scraped = generate_latest(registry).decode()
    finally:
        engine.dispose()
    assert "byosc_jobs" not in scraped and "byosc_queue_depth" not in scraped
    left_out = {r.getMessage().split(":")[0] for r in caplog.records}
    assert left_out == {"byosc_jobs left out", "byosc_queue_depth left out"}
