"""One JobStore contract, run against SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, ItemAction, JobItem, SourceFile, utcnow
from byosc.errors import NotFound
from byosc.jobs.sql import SqlJobStore
from byosc.jobs.tables import jobs as jobs_table

HOUR = 3600.0


@pytest.fixture
def store(database_url: str) -> Iterator[SqlJobStore]:
    catalog = SqlCatalog(database_url)
    catalog.create_course(Course(id="cs101", name="Intro"))
    yield SqlJobStore(catalog.engine)
    catalog.close()


def _items(job_id: str, *actions: ItemAction) -> list[JobItem]:
    return [
        JobItem(
            id=f"{job_id}-{n}",
            job_id=job_id,
            source_id=f"f{n}.md",
            filename=f"f{n}.md",
            action=action,
            state="skipped" if action == "unchanged" else "queued",
            file=SourceFile(source_id=f"f{n}.md", name=f"f{n}.md"),
        )
        for n, action in enumerate(actions)
    ]


def _planned(store: SqlJobStore, *actions: ItemAction) -> str:
    job, _ = store.start_refresh("cs101", HOUR)
    assert store.begin_planning(job.id) is not None
    assert store.record_plan(job.id, _items(job.id, *actions))
    return job.id


def test_a_refresh_requested_while_one_is_active_returns_the_active_job(
    store: SqlJobStore,
) -> None:
    first, created = store.start_refresh("cs101", HOUR)
    second, created_again = store.start_refresh("cs101", HOUR)
    assert (created, created_again) == (True, False)
    assert second.id == first.id and second.state == "queued"


def test_concurrent_requests_start_exactly_one_refresh(store: SqlJobStore) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: store.start_refresh("cs101", HOUR), range(16)))
    assert len({job.id for job, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_a_finished_refresh_lets_the_next_one_start(store: SqlJobStore) -> None:
    job_id = _planned(store, "new")
    store.begin_attempt(f"{job_id}-0")
    store.finish_item(f"{job_id}-0", "succeeded")
    nxt, created = store.start_refresh("cs101", HOUR)
    assert created and nxt.id != job_id


def test_a_refresh_silent_for_too_long_is_failed_and_replaced(store: SqlJobStore) -> None:
    stuck, _ = store.start_refresh("cs101", HOUR)
    with store.engine.begin() as conn:
        long_ago = utcnow() - timedelta(hours=2)
        conn.execute(
            jobs_table.update().where(jobs_table.c.id == stuck.id).values(updated_at=long_ago)
        )
    fresh, created = store.start_refresh("cs101", HOUR)
    assert created and fresh.id != stuck.id
    old = store.get(stuck.id)
    assert old is not None and old.state == "failed" and "stalled" in (old.error or "")


def test_refreshing_an_unknown_course_is_refused(store: SqlJobStore) -> None:
    with pytest.raises(NotFound):
        store.start_refresh("nope", HOUR)


def test_a_plan_is_recorded_once_and_unchanged_files_count_as_done(store: SqlJobStore) -> None:
    job_id = _planned(store, "new", "unchanged", "changed")
    assert not store.record_plan(job_id, _items(job_id, "new"))
    job = store.get(job_id)
    assert job is not None
    assert (job.progress.done, job.progress.total) == (1, 3)
    assert [i.action for i in job.items] == ["new", "unchanged", "changed"]
    assert job.changes.unchanged == 1 and job.items[0].file is not None


def test_attempts_are_counted_before_work_and_stop_when_the_item_is_finished(
    store: SqlJobStore,
) -> None:
    job_id = _planned(store, "new", "new")
    item_id = f"{job_id}-0"
    assert [store.begin_attempt(item_id).attempts for _ in range(3)] == [1, 2, 3]  # type: ignore[union-attr]
    assert store.finish_item(item_id, "succeeded", document_id="d1", chunks=4)
    assert store.begin_attempt(item_id) is None
    assert not store.finish_item(item_id, "failed", error="late duplicate")
    item = store.item(item_id)
    assert item is not None and (item.state, item.chunks, item.error) == ("succeeded", 4, None)


def test_the_last_item_to_finish_completes_the_job(store: SqlJobStore) -> None:
    job_id = _planned(store, "new", "changed", "unchanged")
    store.finish_item(f"{job_id}-0", "succeeded")
    job = store.get(job_id, items=False)
    assert job is not None and job.state == "running"
    store.finish_item(f"{job_id}-1", "skipped")
    job = store.get(job_id)
    assert job is not None and job.state == "succeeded" and job.finished_at is not None
    assert job.changes.model_dump() == {"added": 1, "updated": 0, "deleted": 0, "unchanged": 2}


@pytest.mark.parametrize(
    ("outcomes", "state"), [(["failed", "succeeded"], "partial"), (["failed", "failed"], "failed")]
)
def test_a_job_with_failed_documents_ends_partial_or_failed(
    store: SqlJobStore, outcomes: list[str], state: str
) -> None:
    job_id = _planned(store, "new", "new")
    store.finish_item(f"{job_id}-0", outcomes[0], error="not a PDF")  # type: ignore[arg-type]
    store.finish_item(f"{job_id}-1", outcomes[1], error="not a PDF")  # type: ignore[arg-type]
    job = store.get(job_id)
    assert job is not None and job.state == state
    assert job.errors[0].filename == "f0.md" and job.errors[0].reason == "not a PDF"


def test_items_finishing_concurrently_complete_the_job_once(store: SqlJobStore) -> None:
    job_id = _planned(store, *(["new"] * 12))
    with ThreadPoolExecutor(max_workers=6) as pool:
        finished = list(
            pool.map(lambda n: store.finish_item(f"{job_id}-{n}", "succeeded"), range(12))
        )
    job = store.get(job_id, items=False)
    assert all(finished) and job is not None
    assert (job.state, job.progress.done) == ("succeeded", 12)


def test_a_planned_job_with_nothing_to_do_completes(store: SqlJobStore) -> None:
    job_id = _planned(store)
    store.complete_if_done(job_id)
    job = store.get(job_id)
    assert job is not None and job.state == "succeeded"


def test_items_of_a_failed_job_are_not_started(store: SqlJobStore) -> None:
    job_id = _planned(store, "new")
    store.fail_job(job_id, "course deleted")
    assert store.begin_attempt(f"{job_id}-0") is None
    assert store.begin_planning(job_id) is None


def test_timestamps_read_back_in_utc(store: SqlJobStore) -> None:
    job, _ = store.start_refresh("cs101", HOUR)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(jobs_table.c.created_at)).scalar_one() is not None
    read = store.get(job.id)
    assert read is not None and read.created_at.utcoffset() == timedelta(0)


def test_a_dataset_job_runs_beside_a_refresh_and_is_one_per_course(store: SqlJobStore) -> None:
    refresh, _ = store.start_refresh("cs101", stale_after_s=600)
    dataset, new = store.start_job("cs101", "dataset", stale_after_s=600)
    assert new and dataset.kind == "dataset" and dataset.id != refresh.id
    again, new_again = store.start_job("cs101", "dataset", stale_after_s=600)
    assert (again.id, new_again) == (dataset.id, False)


def test_a_job_without_items_reports_its_steps_and_succeeds_once(store: SqlJobStore) -> None:
    job, _ = store.start_job("cs101", "dataset", stale_after_s=600)
    running = store.begin(job.id, "generating pairs")
    assert running is not None and running.state == "running" and running.attempts == 1
    store.set_step(job.id, "gate: 10/20 pairs")
    assert store.get(job.id).progress.step == "gate: 10/20 pairs"  # type: ignore[union-attr]
    store.succeed(job.id, "wrote dataset version 2")
    done = store.get(job.id)
    assert done is not None and done.state == "succeeded" and done.finished_at is not None
    assert done.progress.step == "wrote dataset version 2"
    assert store.begin(job.id, "again") is None
    store.fail_job(job.id, "too late")
    assert store.get(job.id).state == "succeeded"  # type: ignore[union-attr]


def test_a_cancelled_job_starts_no_more_items_and_frees_the_course(store: SqlJobStore) -> None:
    job_id = _planned(store, "new")
    cancelled = store.cancel(job_id)
    assert cancelled.state == "cancelled" and cancelled.finished
    assert store.begin_attempt(f"{job_id}-0") is None
    assert store.cancel(job_id).state == "cancelled"
    nxt, created = store.start_refresh("cs101", HOUR)
    assert created and nxt.id != job_id
