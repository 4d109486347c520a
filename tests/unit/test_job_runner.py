"""The job runner's bookkeeping without a queue: attempts, retries and failure reasons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, SourceFile, SourceSpec
from byosc.errors import SourceRefused, SourceUnavailable
from byosc.ingest import Pipeline
from byosc.jobs.control import resume_orphaned
from byosc.jobs.retry import TransientError
from byosc.jobs.runner import run_item, run_refresh
from byosc.jobs.sql import SqlJobStore
from byosc.ports import SearchIndex, Source

HOUR = 3600.0


class _Source:
    def __init__(self, files: list[SourceFile], failure: Exception | None = None) -> None:
        self.files = files
        self.failure = failure

    def list_files(self) -> list[SourceFile]:
        if self.failure is not None:
            raise self.failure
        return self.files

    def read(self, file: SourceFile) -> bytes:
        raise AssertionError("no file is read in these tests")


class _Context:
    """Catalog and job store for real; nothing here may index a document."""

    max_attempts = 2

    def __init__(self, catalog: SqlCatalog, source: _Source) -> None:
        self.catalog = catalog
        self.jobs = SqlJobStore(catalog.engine)
        self._source = source

    @property
    def index(self) -> SearchIndex:
        raise AssertionError("the index was opened")

    @property
    def pipeline(self) -> Pipeline:
        raise AssertionError("a document was processed")

    def source(self, course: Course) -> Source:
        return self._source


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[SqlCatalog]:
    cat = SqlCatalog(f"sqlite:///{tmp_path / 'meta.db'}")
    spec = SourceSpec(kind="local", path="/srv/courses/cs1")
    cat.create_course(Course(id="cs1", name="One", source=spec))
    yield cat
    cat.close()


def _dispatched(ctx: _Context, job_id: str) -> list[tuple[str, str, str]]:
    sent: list[tuple[str, str, str]] = []
    run_refresh(ctx, job_id, lambda *args: sent.append(args))
    return sent


def test_a_refresh_dispatches_each_file_on_its_queue(catalog: SqlCatalog) -> None:
    files = [SourceFile(source_id="a.pdf", name="a.pdf"), SourceFile(source_id="b", name="b.mp3")]
    ctx = _Context(catalog, _Source(files))
    job, _ = ctx.jobs.start_refresh("cs1", HOUR)
    sent = _dispatched(ctx, job.id)
    assert [(item, queue) for _, item, queue in sent] == [
        (f"{job.id}-00000", "cpu"),
        (f"{job.id}-00001", "transcribe"),
    ]


def test_a_document_whose_worker_died_on_every_attempt_fails_without_running_again(
    catalog: SqlCatalog,
) -> None:
    ctx = _Context(catalog, _Source([SourceFile(source_id="a.pdf", name="a.pdf")]))
    job, _ = ctx.jobs.start_refresh("cs1", HOUR)
    (_, item_id, _), *_ = _dispatched(ctx, job.id)
    for _ in range(ctx.max_attempts):  # two deliveries whose worker was killed mid-way
        ctx.jobs.begin_attempt(item_id)
    item = run_item(ctx, job.id, item_id)
    assert item is not None and item.state == "failed"
    assert "gave up after 2 attempts" in (item.error or "")
    assert "worker stopped" in (item.error or "")
    finished = ctx.jobs.get(job.id)
    assert finished is not None and finished.state == "failed"


def test_a_source_that_does_not_answer_is_retried_then_fails_the_job(
    catalog: SqlCatalog,
) -> None:
    down = SourceUnavailable("Google Drive is busy (503) for folder x; try again later")
    ctx = _Context(catalog, _Source([], failure=down))
    job, _ = ctx.jobs.start_refresh("cs1", HOUR)
    with pytest.raises(TransientError):
        run_refresh(ctx, job.id, lambda *args: None)
    assert run_refresh(ctx, job.id, lambda *args: None) is not None
    failed = ctx.jobs.get(job.id)
    assert failed is not None and failed.state == "failed"
    assert failed.attempts == 2 and "busy (503)" in (failed.error or "")


def test_a_source_the_platform_refuses_fails_the_job_at_once_with_the_reason(
    catalog: SqlCatalog,
) -> None:
    refused = SourceRefused("/srv/courses/cs1 is not under an allowed root (/data)")
    ctx = _Context(catalog, _Source([], failure=refused))
    job, _ = ctx.jobs.start_refresh("cs1", HOUR)
    ended = run_refresh(ctx, job.id, lambda *args: None)
    assert ended is not None and ended.state == "failed"
    assert ended.error == str(refused) and ended.attempts == 1


def test_an_orphaned_job_goes_back_on_the_queue_with_its_running_items(
    catalog: SqlCatalog,
) -> None:
    ctx = _Context(catalog, _Source([SourceFile(source_id="a.md", name="a.md")]))
    job, _ = ctx.jobs.start_refresh("cs1", HOUR)
    (_, item_id, _), *_ = _dispatched(ctx, job.id)
    ctx.jobs.begin_attempt(item_id)  # then the worker died, and its message with it
    queued: list[str] = []

    class _Queue:
        def enqueue_refresh(self, job_id: str) -> None:
            queued.append(job_id)

    resume_orphaned(ctx.jobs, _Queue(), job.id)
    assert queued == [job.id]
    assert [(i, q) for _, i, q in _dispatched(ctx, job.id)] == [(item_id, "cpu")]
    item = ctx.jobs.item(item_id)
    assert item is not None and item.attempts == 1
