"""A course's refresh schedule over the ingest service's HTTP API (real app, SQLite): set,
read with its next run and last scheduled run, cleared; one that does not parse is refused
with the reason."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from byosc.catalog.sql import open_engine
from byosc.domain import Job
from byosc.jobs.control import start_job
from byosc.jobs.sql import SqlJobStore
from byosc.schedules.runner import run_due_refreshes
from byosc.schedules.store import SqlScheduleStore
from byosc.settings import Settings
from services.ingest.app import create_app

pytestmark = pytest.mark.slow


def test_a_schedule_is_set_shown_and_cleared_and_a_bad_one_is_refused_with_the_reason(
    settings: Settings,
) -> None:
    with TestClient(create_app(settings)) as ingest:
        assert ingest.post("/courses", json={"id": "cs140", "name": "OS"}).status_code == 201
        missing = ingest.get("/courses/cs140/schedule")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "course cs140 has no refresh schedule"

        bad = ingest.put("/courses/cs140/schedule", json={"expression": "61 * * * *"})
        assert bad.status_code == 422
        assert bad.json()["detail"] == "'61 * * * *' is not a cron expression: Bad minute"
        too_often = ingest.put("/courses/cs140/schedule", json={"expression": "every 10s"})
        assert (
            too_often.status_code == 422 and "shortest allowed interval is 60 s" in too_often.text
        )
        zone = {"expression": "0 6 * * *", "timezone": "Moon/Base"}
        assert "unknown time zone" in ingest.put("/courses/cs140/schedule", json=zone).text
        nowhere = ingest.put("/courses/cs999/schedule", json={"expression": "every 6h"})
        assert nowhere.status_code == 404

        body = {"expression": "0 6 * * MON-FRI", "timezone": "Europe/Madrid", "train_min_pairs": 50}
        set_ = ingest.put("/courses/cs140/schedule", json=body)
        assert set_.status_code == 200, set_.text
        shown = ingest.get("/courses/cs140/schedule").json()
        assert shown == set_.json()
        assert (shown["expression"], shown["kind"], shown["timezone"]) == (
            "0 6 * * mon-fri",
            "cron",
            "Europe/Madrid",
        )
        assert shown["train_min_pairs"] == 50
        assert shown["last_run_at"] is None and shown["last_job"] is None
        next_run = datetime.fromisoformat(shown["next_run_at"])
        assert (
            timedelta(0)
            < next_run - datetime.fromisoformat(shown["updated_at"])
            <= timedelta(days=3)
        )

        # A scheduled run (the beat's tick, here called directly) shows its job.
        jobs = SqlJobStore(open_engine(settings.database_url))

        def start(course_id: str) -> tuple[Job, bool]:
            return start_job(jobs, settings, course_id, "refresh", lambda _job_id: None)

        [run] = run_due_refreshes(SqlScheduleStore(jobs.engine), start, 300, now=next_run)
        ran = ingest.get("/courses/cs140/schedule").json()
        assert ran["last_job"]["id"] == run.job_id and ran["last_job"]["kind"] == "refresh"
        assert ran["last_error"] is None and ran["last_run_at"] is not None
        jobs.engine.dispose()

        assert ingest.delete("/courses/cs140/schedule").status_code == 204
        assert ingest.get("/courses/cs140/schedule").status_code == 404
