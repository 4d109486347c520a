"""A real beat process and a real Celery worker on Redis keep a course current on their own:
a course over a local folder, with a schedule of a few seconds (the tick and the interval
floor are settings; production's floor is a minute), picks up an added file and a deleted
file without anyone calling refresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.schedules.spec import parse_schedule
from byosc.schedules.store import SqlScheduleStore
from tests.support.jobs import Cluster

pytestmark = pytest.mark.slow

TICK_S = "1"


@pytest.fixture
def beat(jobs_cluster: Cluster) -> Iterator[None]:
    stack = jobs_cluster.stack
    stack.extra_env["BYOSC_SCHEDULES__TICK_S"] = TICK_S
    try:
        stack.start("beat")
        yield
    finally:
        stack.stop("beat")
        del stack.extra_env["BYOSC_SCHEDULES__TICK_S"]


def _indexed(jobs_cluster: Cluster, course_id: str) -> set[str]:
    return {d.filename for d in jobs_cluster.catalog.list_documents(course_id)}


def test_a_scheduled_course_picks_up_an_added_and_a_deleted_file_on_its_own(
    jobs_cluster: Cluster, sources_root: Path, beat: None
) -> None:
    folder = sources_root / "scheduled"
    folder.mkdir()
    (folder / "paging.md").write_text("# Paging\n\nPages split memory into frames.\n")
    (folder / "caches.md").write_text("# Caches\n\nA cache keeps recent lines close.\n")
    course = jobs_cluster.local_course("scheduled", folder)
    schedules = SqlScheduleStore(jobs_cluster.catalog.engine)
    schedules.put(course, parse_schedule("every 3s", min_interval_s=1))

    # The first refresh of a fresh worker loads the embedding model: more time for it.
    first = {"paging.md", "caches.md"}
    jobs_cluster.wait_until(lambda: _indexed(jobs_cluster, course) == first, timeout_s=90)
    (folder / "inodes.md").write_text("# Inodes\n\nAn inode describes a file.\n")
    (folder / "paging.md").unlink()
    jobs_cluster.wait_until(lambda: _indexed(jobs_cluster, course) == {"caches.md", "inodes.md"})

    schedule = schedules.get(course)
    assert schedule is not None and schedule.last_error is None
    assert schedule.last_job_id is not None and schedule.last_run_at is not None
    assert schedule.next_run_at > schedule.last_run_at
    job = jobs_cluster.jobs.get(schedule.last_job_id, items=False)
    assert job is not None and job.kind == "refresh" and job.course_id == course
