"""Running a refresh job: what the queue's tasks call, with no queue library in sight.

`run_refresh` plans the job once, removes deleted documents and hands every file to
`dispatch` (the queue). `run_item` processes one file. Both count attempts in the DB
before working, record failures on the item, and raise `TransientError` only when
another attempt is allowed, so a retry never loops past `max_attempts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from byosc.domain import Course, Job, JobItem, RefusedFile, refused_file_id, utcnow
from byosc.errors import BadFile, ByoscError
from byosc.ingest import Pipeline, remove_document
from byosc.jobs.retry import TransientError, describe, gave_up, is_transient
from byosc.jobs.sql import SqlJobStore
from byosc.jobs.steps import JobSteps
from byosc.ports import Catalog, SearchIndex, Source
from byosc.refresh import RefreshPlan, plan_refresh, process_document

log = logging.getLogger(__name__)

# (job_id, item_id, queue name): puts one file's task on the queue.
Dispatch = Callable[[str, str, str], None]


class JobContext(Protocol):
    """The adapters a worker process holds; heavy ones are built on first use."""

    @property
    def max_attempts(self) -> int: ...

    @property
    def catalog(self) -> Catalog: ...

    @property
    def jobs(self) -> SqlJobStore: ...

    @property
    def index(self) -> SearchIndex: ...

    @property
    def pipeline(self) -> Pipeline: ...

    def source(self, course: Course) -> Source: ...


def run_refresh(ctx: JobContext, job_id: str, dispatch: Dispatch) -> Job | None:
    """Plans (once), removes deleted documents, dispatches the rest. None: nothing to do."""
    job = ctx.jobs.begin_planning(job_id)
    if job is None:
        return None
    if job.attempts > ctx.max_attempts:
        ctx.jobs.fail_job(job_id, gave_up(ctx.max_attempts, job.error))
        return ctx.jobs.get(job_id, items=False)
    try:
        if not ctx.jobs.items(job_id):
            course = _course(ctx, job.course_id)
            plan = plan_refresh(course, ctx.source(course), ctx.catalog)
            for refused in plan.forgotten:
                ctx.catalog.delete_refused(course.id, refused.id)
            ctx.jobs.record_plan(job_id, plan_items(job_id, plan))
        _remove_deleted(ctx, job)
    except Exception as exc:
        if is_transient(exc) and job.attempts < ctx.max_attempts:
            ctx.jobs.set_job_error(job_id, describe(exc))
            raise TransientError(describe(exc)) from exc
        _log_unexpected(exc, f"refresh {job_id}")
        ctx.jobs.fail_job(job_id, describe(exc))
        return ctx.jobs.get(job_id, items=False)
    for item in ctx.jobs.items(job_id, states=("queued",)):
        dispatch(job_id, item.id, item.queue)
    ctx.jobs.complete_if_done(job_id)
    return ctx.jobs.get(job_id, items=False)


def plan_items(job_id: str, plan: RefreshPlan) -> list[JobItem]:
    """The plan as job items; unchanged files are finished already."""
    now = utcnow()
    items = []
    for n, planned in enumerate(plan.files):
        unchanged = planned.action == "unchanged"
        document = planned.document
        refused = planned.refused
        items.append(
            JobItem(
                id=f"{job_id}-{n:05d}",
                job_id=job_id,
                source_id=planned.source_id,
                filename=planned.filename,
                action=planned.action,
                queue=planned.queue,
                state="skipped" if unchanged else "queued",
                step="unchanged" if unchanged else "queued",
                document_id=refused.id if refused else document.id if document else None,
                note=_refused_note(refused),
                chunks=document.chunks if document and unchanged and not refused else 0,
                file=planned.file,
                finished_at=now if unchanged else None,
            )
        )
    return items


def _refused_note(refused: RefusedFile | None) -> str | None:
    if refused is None:
        return None
    return f"refused before: {refused.reason}; skipped until the file changes"


def run_item(ctx: JobContext, job_id: str, item_id: str) -> JobItem | None:
    """Processes one new or changed file. None: finished already, or its job is over."""
    item = ctx.jobs.begin_attempt(item_id)
    if item is None:
        return None
    if item.attempts > ctx.max_attempts:
        ctx.jobs.finish_item(item_id, "failed", error=gave_up(ctx.max_attempts, item.error))
        return ctx.jobs.item(item_id)
    steps = JobSteps(ctx.jobs, item_id)
    course_id = ""
    try:
        job = ctx.jobs.get(job_id, items=False)
        course = _course(ctx, job.course_id if job else "")
        course_id = course.id
        if item.file is None:
            raise ByoscError(f"{item.filename}: the job holds no file to read")
        done = process_document(ctx.pipeline, ctx.source(course), course.id, item.file, steps)
        ctx.catalog.delete_refused(course.id, refused_file_id(course.id, item.source_id))
    except Exception as exc:
        _item_failed(ctx, item, exc, steps.finish(), course_id)
        return ctx.jobs.item(item_id)
    ctx.jobs.finish_item(
        item_id,
        "succeeded" if done.indexed else "skipped",
        note=done.note,
        document_id=done.document.id,
        chunks=done.document.chunks,
        timings=steps.finish(),
    )
    return ctx.jobs.item(item_id)


def _item_failed(
    ctx: JobContext, item: JobItem, exc: Exception, timings: dict[str, float], course_id: str
) -> None:
    refused = None
    if is_transient(exc):
        if item.attempts < ctx.max_attempts:
            ctx.jobs.item_error(item.id, describe(exc))
            raise TransientError(describe(exc)) from exc
        reason = gave_up(item.attempts, describe(exc))
    elif isinstance(exc, BadFile):
        reason = exc.reason
        refused = _remember_refusal(ctx, item, exc, course_id)
    else:
        reason = describe(exc)
        _log_unexpected(exc, item.filename)
    document_id = refused.id if refused else None
    ctx.jobs.finish_item(item.id, "failed", error=reason, timings=timings, document_id=document_id)


def _remember_refusal(
    ctx: JobContext, item: JobItem, exc: BadFile, course_id: str
) -> RefusedFile | None:
    """Refreshes skip these bytes until they change: they would fail the same way."""
    checksum = item.file.checksum if item.file else None
    if not exc.lasting or checksum is None or not course_id:
        return None
    refused = RefusedFile(
        id=refused_file_id(course_id, item.source_id),
        course_id=course_id,
        source_id=item.source_id,
        filename=item.filename,
        checksum=checksum,
        reason=exc.reason,
    )
    ctx.catalog.put_refused(refused)
    return refused


def _remove_deleted(ctx: JobContext, job: Job) -> None:
    for item in ctx.jobs.items(job.id, states=("queued",)):
        if item.action != "deleted":
            continue
        if item.document_id is not None:
            originals = ctx.pipeline.originals
            remove_document(ctx.catalog, ctx.index, job.course_id, item.document_id, originals)
        ctx.jobs.finish_item(item.id, "succeeded", document_id=item.document_id)


def _course(ctx: JobContext, course_id: str) -> Course:
    if (course := ctx.catalog.get_course(course_id)) is None:
        raise ByoscError(f"course {course_id} no longer exists")
    return course


def _log_unexpected(exc: Exception, what: str) -> None:
    if not isinstance(exc, ByoscError):
        log.error("%s failed", what, exc_info=exc)
