"""SqlScheduleStore: each course's refresh schedule and the outcome of its last scheduled run.

Claiming a due run is a compare-and-set on `next_run_at`, each in a transaction of its own:
of two beat processes (or workers) that find the same run due, one moves `next_run_at`
and the other's update matches no row, so a refresh is never started twice. The claim moves
it `claim_s` ahead, not to the next run: if the claimer dies before the refresh is started,
the run is due again once the claim runs out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, computed_field

from byosc.domain import utcnow
from byosc.errors import NotFound
from byosc.schedules.spec import ScheduleKind, ScheduleSpec, parse_schedule
from byosc.schedules.tables import course_refresh_schedules as table


class RefreshSchedule(BaseModel):
    course_id: str
    expression: str = Field(description="A 5-field cron expression or `every <interval>`.")
    timezone: str = Field(description="The cron expression's time zone (IANA name).")
    train_min_pairs: int | None = Field(
        description="Train after a refresh whose dataset gained at least this many pairs; "
        "null: never (training costs GPU hours)."
    )
    next_run_at: datetime
    last_run_at: datetime | None = Field(description="When the last scheduled run started.")
    last_job_id: str | None = Field(description="The refresh job of the last scheduled run.")
    last_error: str | None = Field(description="Why the last scheduled run could not start.")
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind(self) -> ScheduleKind:
        return self.spec().kind

    def spec(self) -> ScheduleSpec:
        # Stored expressions were checked when set; the interval floor applied then.
        return parse_schedule(self.expression, self.timezone, min_interval_s=0)


class SqlScheduleStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def put(
        self,
        course_id: str,
        spec: ScheduleSpec,
        train_min_pairs: int | None = None,
        now: datetime | None = None,
    ) -> RefreshSchedule:
        """Sets the course's schedule; its next run counts from now. The last run's outcome
        stays."""
        now = now or utcnow()
        values = {
            "expression": spec.expression,
            "timezone": spec.timezone,
            "train_min_pairs": train_min_pairs,
            "next_run_at": spec.next_after(now),
            "updated_at": now,
        }
        for _ in range(2):  # a second try updates the row a concurrent first put inserted
            try:
                with self.engine.begin() as conn:
                    changed = conn.execute(
                        table.update().where(table.c.course_id == course_id).values(**values)
                    )
                    if changed.rowcount == 0:
                        conn.execute(table.insert().values(course_id=course_id, **values))
                break
            except sa.exc.IntegrityError as exc:
                if "foreign key" in str(exc).lower():
                    raise NotFound(f"course {course_id} does not exist") from exc
        return self._read(course_id)

    def get(self, course_id: str) -> RefreshSchedule | None:
        with self.engine.connect() as conn:
            row = conn.execute(table.select().where(table.c.course_id == course_id)).first()
        return _schedule(row) if row else None

    def delete(self, course_id: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(table.delete().where(table.c.course_id == course_id)).rowcount > 0

    def claim_due(
        self, now: datetime | None = None, claim_s: float = 300, limit: int = 100
    ) -> list[RefreshSchedule]:
        """The schedules due at `now` that this caller won, as they stand after the claim
        (`next_run_at` is when the claim runs out)."""
        now = now or utcnow()
        query = (
            table.select()
            .where(table.c.next_run_at <= now)
            .order_by(table.c.next_run_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            due = conn.execute(query).all()
        until = now + timedelta(seconds=claim_s)
        claimed = []
        for row in due:
            # Its own write transaction, after the read: SQLite cannot turn a read
            # transaction that another writer overtook into a write one.
            with self.engine.begin() as conn:
                taken = conn.execute(
                    table.update()
                    .where(
                        table.c.course_id == row.course_id,
                        table.c.next_run_at == row.next_run_at,
                    )
                    .values(next_run_at=until)
                )
            if taken.rowcount == 1:
                claimed.append(_schedule(row).model_copy(update={"next_run_at": until}))
        return claimed

    def finish(
        self,
        claimed: RefreshSchedule,
        next_run_at: datetime,
        ran_at: datetime,
        job_id: str | None,
        error: str | None,
    ) -> None:
        """Records a claimed run's outcome and sets the next run, unless the schedule was
        changed meanwhile (its own next run stands)."""
        course = table.c.course_id == claimed.course_id
        with self.engine.begin() as conn:
            conn.execute(
                table.update()
                .where(course)
                .values(last_run_at=ran_at, last_job_id=job_id, last_error=error)
            )
            conn.execute(
                table.update()
                .where(course, table.c.next_run_at == claimed.next_run_at)
                .values(next_run_at=next_run_at)
            )

    def _read(self, course_id: str) -> RefreshSchedule:
        found = self.get(course_id)
        if found is None:
            raise NotFound(f"course {course_id} has no refresh schedule")
        return found


def _schedule(row: sa.Row[Any]) -> RefreshSchedule:
    return RefreshSchedule.model_validate(row._asdict())
