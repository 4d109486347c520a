"""Progress of one job item: attempts, steps, and finishing it exactly once."""

from __future__ import annotations

import json

import sqlalchemy as sa

from byosc.domain import OPEN_ITEM_STATES, ItemState, JobItem, utcnow
from byosc.jobs.tables import item_model, job_items, jobs


class ItemUpdates:
    engine: sa.Engine

    def begin_attempt(self, item_id: str) -> JobItem | None:
        """Counts an attempt before any work, so a document that kills its worker every
        time still runs out of attempts. None: the item is finished or its job is over."""
        running_job = sa.exists().where(jobs.c.id == job_items.c.job_id, jobs.c.state == "running")
        with self.engine.begin() as conn:
            changed = conn.execute(
                job_items.update()
                .where(
                    job_items.c.id == item_id,
                    job_items.c.state.in_(OPEN_ITEM_STATES),
                    running_job,
                )
                .values(
                    attempts=job_items.c.attempts + 1,
                    state="running",
                    step="starting",
                    started_at=sa.func.coalesce(job_items.c.started_at, utcnow()),
                )
            )
            if not changed.rowcount:
                return None
            row = conn.execute(job_items.select().where(job_items.c.id == item_id)).one()
            _touch_job(conn, row.job_id)
        return item_model(row)

    def item_step(self, item_id: str, step: str, timings: dict[str, float]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                job_items.update()
                .where(job_items.c.id == item_id, job_items.c.state == "running")
                .values(step=step[:200], timings=json.dumps(timings))
            )
            _touch_job(conn, _job_of(item_id))

    def requeue_running(self, job_id: str) -> int:
        """Items marked running go back to queued: for a job whose worker is known dead."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                job_items.update()
                .where(job_items.c.job_id == job_id, job_items.c.state == "running")
                .values(state="queued", step="queued again after the worker stopped")
            )
            _touch_job(conn, job_id)
        return changed.rowcount

    def item_error(self, item_id: str, error: str) -> None:
        """The error of an attempt that will be retried: kept as the reason if none succeeds."""
        with self.engine.begin() as conn:
            conn.execute(
                job_items.update()
                .where(job_items.c.id == item_id)
                .values(error=error, step=f"retrying after: {error}"[:200])
            )

    def finish_item(
        self,
        item_id: str,
        state: ItemState,
        *,
        error: str | None = None,
        note: str | None = None,
        document_id: str | None = None,
        chunks: int = 0,
        timings: dict[str, float] | None = None,
    ) -> bool:
        """Records the outcome and completes the job when this was its last open item.
        False when another delivery of the same item finished it first."""
        values: dict[str, object] = {"state": state, "step": state, "finished_at": utcnow()}
        values.update(error=error, note=note, chunks=chunks)
        if document_id is not None:
            values["document_id"] = document_id
        if timings is not None:
            values["timings"] = json.dumps(timings)
        with self.engine.begin() as conn:
            changed = conn.execute(
                job_items.update()
                .where(job_items.c.id == item_id, job_items.c.state.in_(OPEN_ITEM_STATES))
                .values(**values)
            )
            if not changed.rowcount:
                return False
            job_id = conn.execute(
                sa.select(job_items.c.job_id).where(job_items.c.id == item_id)
            ).scalar_one()
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id)
                .values(
                    done=jobs.c.done + 1,
                    failed=jobs.c.failed + (1 if state == "failed" else 0),
                    updated_at=utcnow(),
                )
            )
            complete_if_done(conn, job_id)
        return True


def complete_if_done(conn: sa.Connection, job_id: str) -> None:
    """Ends a running job whose items have all finished; only one caller can match it."""
    now = utcnow()
    state = sa.case(
        (jobs.c.failed == 0, "succeeded"),
        (jobs.c.failed >= jobs.c.total, "failed"),
        else_="partial",
    )
    conn.execute(
        jobs.update()
        .where(
            jobs.c.id == job_id,
            jobs.c.state == "running",
            jobs.c.planned.is_(True),
            jobs.c.done >= jobs.c.total,
        )
        .values(state=state, step="finished", finished_at=now, updated_at=now)
    )


def _job_of(item_id: str) -> sa.ScalarSelect[str]:
    return sa.select(job_items.c.job_id).where(job_items.c.id == item_id).scalar_subquery()


def _touch_job(conn: sa.Connection, job_id: str | sa.ScalarSelect[str]) -> None:
    conn.execute(jobs.update().where(jobs.c.id == job_id).values(updated_at=utcnow()))
