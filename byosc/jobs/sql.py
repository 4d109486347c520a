"""SqlJobStore: jobs and their items in the metadata DB (SQLite embedded, PostgreSQL production).

Every change that several workers may race on is one conditional UPDATE, so the database
decides who wins: starting a job (a partial unique index), counting attempts, finishing
an item once, and completing the job when its last item finishes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from byosc.domain import ACTIVE_JOB_STATES, ItemState, Job, JobItem, JobKind, utcnow
from byosc.errors import NotFound
from byosc.jobs.items import ItemUpdates, complete_if_done
from byosc.jobs.tables import item_model, job_items, job_model, jobs

_START_TRIES = 5


class SqlJobStore(ItemUpdates):
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def start_refresh(self, course_id: str, stale_after_s: float) -> tuple[Job, bool]:
        return self.start_job(course_id, "refresh", stale_after_s)

    def start_job(
        self,
        course_id: str,
        kind: JobKind,
        stale_after_s: float,
        params: dict[str, Any] | None = None,
    ) -> tuple[Job, bool]:
        """The course's active job of this kind, or a new queued one with `params`; True when
        it is new (a running job keeps the params it was started with).

        An active job with no progress for `stale_after_s` is failed and replaced: its
        messages were lost (a crash on a broker that cannot redeliver)."""
        for _ in range(_START_TRIES):
            active = self._active(course_id, kind)
            if active is not None and not _stale(active, stale_after_s):
                return self._read(active.id), False
            if active is not None:
                self.fail_job(active.id, f"stalled: no progress for {stale_after_s:.0f} s")
            try:
                return self._insert(course_id, kind, params or {}), True
            except sa.exc.IntegrityError as exc:
                if "foreign key" in str(exc).lower():
                    raise NotFound(f"course {course_id} does not exist") from exc
                continue  # another request started one first: return that one
        raise RuntimeError(f"could not start a {kind} job for {course_id}")

    def get(self, job_id: str, *, items: bool = True) -> Job | None:
        with self.engine.connect() as conn:
            row = conn.execute(jobs.select().where(jobs.c.id == job_id)).first()
            if row is None:
                return None
            outcomes = conn.execute(
                sa.select(job_items.c.action, job_items.c.state, sa.func.count())
                .where(job_items.c.job_id == job_id)
                .group_by(job_items.c.action, job_items.c.state)
            ).all()
            rows = conn.execute(self._items_query(job_id)).all() if items else []
        return job_model(row, [tuple(o) for o in outcomes], [item_model(r) for r in rows])

    def items(self, job_id: str, states: Sequence[ItemState] | None = None) -> list[JobItem]:
        query = self._items_query(job_id)
        if states is not None:
            query = query.where(job_items.c.state.in_(states))
        with self.engine.connect() as conn:
            return [item_model(r) for r in conn.execute(query).all()]

    def item(self, item_id: str) -> JobItem | None:
        with self.engine.connect() as conn:
            row = conn.execute(job_items.select().where(job_items.c.id == item_id)).first()
        return item_model(row) if row else None

    def begin_planning(self, job_id: str) -> Job | None:
        return self.begin(job_id, "planning")

    def begin(self, job_id: str, step: str) -> Job | None:
        """Counts one more attempt at the job; None when the job is gone or finished."""
        now = utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state.in_(ACTIVE_JOB_STATES))
                .values(
                    state="running",
                    attempts=jobs.c.attempts + 1,
                    started_at=sa.func.coalesce(jobs.c.started_at, now),
                    step=step,
                    updated_at=now,
                )
            )
        return self._read(job_id, items=False) if changed.rowcount else None

    def record_plan(self, job_id: str, items: Sequence[JobItem]) -> bool:
        """Stores the plan once; False when an earlier delivery already stored it."""
        skipped = sum(1 for i in items if i.state == "skipped")
        with self.engine.begin() as conn:
            claimed = conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.planned.is_(False))
                .values(planned=True, total=len(items), done=skipped, step="indexing documents")
            )
            if not claimed.rowcount:
                return False
            if items:
                conn.execute(job_items.insert(), [_item_row(i, n) for n, i in enumerate(items)])
        return True

    def fail_job(self, job_id: str, reason: str) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state.in_(ACTIVE_JOB_STATES))
                .values(
                    state="failed", error=reason, step="failed", finished_at=now, updated_at=now
                )
            )

    def set_step(
        self,
        job_id: str,
        step: str,
        figures: dict[str, float] | None = None,
        *,
        done: int | None = None,
        total: int | None = None,
    ) -> None:
        """Progress of a job without items, as a line users can read and, when given, the
        figures behind it, or how many of its stages are done."""
        values: dict[str, Any] = {"step": step, "updated_at": utcnow()}
        if figures is not None:
            values["figures"] = json.dumps(figures)
        if done is not None and total is not None:
            values.update(done=done, total=total)
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state.in_(ACTIVE_JOB_STATES))
                .values(**values)
            )

    def succeed(self, job_id: str, step: str) -> None:
        """Finishes a job without items; `step` says what it did."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state.in_(ACTIVE_JOB_STATES))
                .values(state="succeeded", step=step, error=None, finished_at=now, updated_at=now)
            )

    def cancel(self, job_id: str) -> Job:
        """Stops a queued or running job: no new item starts, and a training run stops at
        its next step (keeping its checkpoint). A finished job is returned unchanged."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state.in_(ACTIVE_JOB_STATES))
                .values(state="cancelled", step="cancelled", finished_at=now, updated_at=now)
            )
        return self._read(job_id, items=False)

    def set_job_error(self, job_id: str, reason: str) -> None:
        """The last error of a planning attempt that will be retried."""
        with self.engine.begin() as conn:
            conn.execute(
                jobs.update().where(jobs.c.id == job_id).values(error=reason, updated_at=utcnow())
            )

    def complete_if_done(self, job_id: str) -> None:
        with self.engine.begin() as conn:
            complete_if_done(conn, job_id)

    def close(self) -> None:
        self.engine.dispose()

    def active_ids(self, kind: JobKind) -> list[str]:
        """Every course's queued or running job of this kind."""
        query = sa.select(jobs.c.id).where(jobs.c.kind == kind, jobs.c.state.in_(ACTIVE_JOB_STATES))
        with self.engine.connect() as conn:
            return [str(row.id) for row in conn.execute(query)]

    def _active(self, course_id: str, kind: JobKind) -> Job | None:
        query = jobs.select().where(
            jobs.c.course_id == course_id,
            jobs.c.kind == kind,
            jobs.c.state.in_(ACTIVE_JOB_STATES),
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return job_model(row, [], []) if row else None

    def _insert(self, course_id: str, kind: JobKind, params: dict[str, Any]) -> Job:
        now = utcnow()
        job = Job(id=uuid.uuid4().hex, course_id=course_id, kind=kind, created_at=now)
        with self.engine.begin() as conn:
            conn.execute(
                jobs.insert().values(
                    id=job.id,
                    course_id=course_id,
                    kind=job.kind,
                    state=job.state,
                    step="queued",
                    planned=False,
                    total=0,
                    done=0,
                    failed=0,
                    attempts=0,
                    params=json.dumps(params),
                    created_at=now,
                    updated_at=now,
                )
            )
        return self._read(job.id)

    def _read(self, job_id: str, *, items: bool = True) -> Job:
        if (job := self.get(job_id, items=items)) is None:
            raise NotFound(f"job {job_id} does not exist")
        return job

    @staticmethod
    def _items_query(job_id: str) -> sa.Select[Any]:
        return job_items.select().where(job_items.c.job_id == job_id).order_by(job_items.c.position)


def _item_row(item: JobItem, position: int) -> dict[str, Any]:
    row = item.model_dump(exclude={"timings", "file"})
    row["position"] = position
    row["timings"] = json.dumps(item.timings)
    row["file"] = item.file.model_dump_json() if item.file else None
    return row


def _stale(job: Job, stale_after_s: float) -> bool:
    return utcnow() - job.updated_at > timedelta(seconds=stale_after_s)
