"""Refresh schedules on SQLite and PostgreSQL: a schedule is set, read, changed and removed
with its course; a due run is claimed by one claimer only, even when several claim at once;
an overdue run starts once and the next one counts from now; a run that finds a refresh
running joins it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.domain import Course, Job
from byosc.errors import NotFound
from byosc.jobs.control import start_job
from byosc.jobs.retry import TransientError
from byosc.jobs.sql import SqlJobStore
from byosc.schedules.runner import run_due_refreshes
from byosc.schedules.spec import parse_schedule
from byosc.schedules.store import SqlScheduleStore
from byosc.settings import Settings

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
CLAIMERS = 6


@pytest.fixture
def catalog(database_url: str) -> Iterator[SqlCatalog]:
    catalog = SqlCatalog(open_engine(database_url))
    catalog.create_course(Course(id="cs140", name="Operating Systems"))
    yield catalog
    catalog.close()


@pytest.fixture
def schedules(catalog: SqlCatalog) -> SqlScheduleStore:
    return SqlScheduleStore(catalog.engine)


def test_a_schedule_is_set_read_changed_and_removed(schedules: SqlScheduleStore) -> None:
    assert schedules.get("cs140") is None
    first = schedules.put("cs140", parse_schedule("every 6h"), None, now=T0)
    assert (first.expression, first.kind, first.train_min_pairs) == ("every 6h", "interval", None)
    assert first.next_run_at == T0 + timedelta(hours=6)
    later = T0 + timedelta(minutes=5)
    changed = schedules.put("cs140", parse_schedule("0 6 * * *", "Europe/Madrid"), 40, now=later)
    assert (changed.kind, changed.timezone, changed.train_min_pairs) == (
        "cron",
        "Europe/Madrid",
        40,
    )
    assert changed.next_run_at == datetime(2026, 1, 6, 5, 0, tzinfo=UTC)
    assert schedules.get("cs140") == changed
    assert schedules.delete("cs140") and schedules.get("cs140") is None
    assert not schedules.delete("cs140")


def test_a_schedule_for_a_missing_course_is_refused(schedules: SqlScheduleStore) -> None:
    with pytest.raises(NotFound, match="course cs999 does not exist"):
        schedules.put("cs999", parse_schedule("every 6h"))


def test_a_schedule_goes_with_its_course(schedules: SqlScheduleStore, catalog: SqlCatalog) -> None:
    schedules.put("cs140", parse_schedule("every 6h"))
    catalog.delete_course("cs140")
    assert schedules.get("cs140") is None


def test_a_due_run_is_claimed_once_and_is_due_again_when_the_claim_runs_out(
    schedules: SqlScheduleStore,
) -> None:
    schedules.put("cs140", parse_schedule("every 1h"), now=T0)
    due = T0 + timedelta(hours=1)
    assert schedules.claim_due(due - timedelta(seconds=1)) == []
    [claimed] = schedules.claim_due(due, claim_s=300)
    assert claimed.next_run_at == due + timedelta(seconds=300)
    assert schedules.claim_due(due + timedelta(seconds=299)) == []
    # The claimer died before starting the refresh: another takes the run later.
    assert [c.course_id for c in schedules.claim_due(due + timedelta(seconds=300))] == ["cs140"]


def test_of_many_claimers_at_once_exactly_one_wins_a_due_run(
    database_url: str, schedules: SqlScheduleStore
) -> None:
    schedules.put("cs140", parse_schedule("every 1h"), now=T0)
    gate = threading.Barrier(CLAIMERS)
    won: list[str] = []
    failures: list[BaseException] = []

    def claim() -> None:
        # Each claimer on its own engine, as separate beat processes would be.
        engine = open_engine(database_url)
        try:
            gate.wait()
            won.extend(
                c.course_id for c in SqlScheduleStore(engine).claim_due(T0 + timedelta(hours=2))
            )
        except BaseException as exc:  # collected: the assertion below names them
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=claim) for _ in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert won == ["cs140"]


Start = Callable[[str], tuple[Job, bool]]


def _starter(catalog: SqlCatalog, enqueued: list[str]) -> tuple[SqlJobStore, Start]:
    jobs = SqlJobStore(catalog.engine)

    def start(course_id: str) -> tuple[Job, bool]:
        return start_job(jobs, Settings(), course_id, "refresh", enqueued.append)

    return jobs, start


def test_an_overdue_run_starts_one_refresh_and_the_next_run_counts_from_now(
    catalog: SqlCatalog, schedules: SqlScheduleStore
) -> None:
    enqueued: list[str] = []
    jobs, start = _starter(catalog, enqueued)
    schedules.put("cs140", parse_schedule("every 1h"), now=T0 - timedelta(days=1))
    # A beat down for a day missed 24 runs: one refresh starts, not 24.
    [run] = run_due_refreshes(schedules, start, claim_s=300)
    assert run.created and run.error is None and enqueued == [run.job_id]
    assert run_due_refreshes(schedules, start, claim_s=300) == []
    schedule = schedules.get("cs140")
    assert schedule is not None and schedule.last_job_id == run.job_id
    assert schedule.last_run_at is not None and schedule.last_error is None
    from_now = schedule.next_run_at - schedule.last_run_at
    assert timedelta(minutes=59) < from_now <= timedelta(hours=1)
    assert jobs.active_ids("refresh") == [run.job_id]


def test_a_run_while_a_refresh_runs_joins_it_and_one_the_queue_refuses_says_why(
    catalog: SqlCatalog, schedules: SqlScheduleStore
) -> None:
    enqueued: list[str] = []
    jobs, start = _starter(catalog, enqueued)
    running, _ = start("cs140")
    schedules.put("cs140", parse_schedule("every 1h"), now=T0)
    [run] = run_due_refreshes(schedules, start, 300, now=T0 + timedelta(hours=1))
    assert (run.job_id, run.created) == (running.id, False)
    jobs.cancel(running.id)

    def refused(course_id: str) -> tuple[Job, bool]:
        raise TransientError("the job queue did not take the job: redis is down")

    schedules.put("cs140", parse_schedule("every 1h"), now=T0)
    [run] = run_due_refreshes(schedules, refused, 300, now=T0 + timedelta(hours=1))
    schedule = schedules.get("cs140")
    assert schedule is not None and schedule.last_job_id is None
    assert (
        schedule.last_error
        == "the refresh did not start: the job queue did not take the job: redis is down"
    )


def test_a_schedule_changed_while_its_run_was_claimed_keeps_its_new_next_run(
    schedules: SqlScheduleStore,
) -> None:
    schedules.put("cs140", parse_schedule("every 1h"), now=T0)
    [claimed] = schedules.claim_due(T0 + timedelta(hours=1))
    changed = schedules.put("cs140", parse_schedule("every 6h"), now=T0 + timedelta(hours=1))
    schedules.finish(claimed, T0 + timedelta(hours=2), T0 + timedelta(hours=1), "job-1", None)
    schedule = schedules.get("cs140")
    assert schedule is not None and schedule.next_run_at == changed.next_run_at
    assert schedule.last_job_id == "job-1"
