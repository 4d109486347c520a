"""SqlScoreOutbox: quiz grades on their way to an LMS gradebook, in the metadata DB.

Recording never waits for the LMS: the row is pending at once, and a sender posts it later
(services/gateway/lti_score_sender.py), retrying transient failures with backoff. The state
an instructor sees: pending (with its attempts so far and the last error), sent, or failed
with the reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field

from byosc.domain import utcnow
from byosc.lti.tables import lti_score_outbox

ScoreState = Literal["pending", "sent", "failed"]


class ScoreToSend(BaseModel):
    quiz_id: str
    course_id: str
    platform_id: str
    user_sub: str = Field(description="The LMS user (the score's userId).")
    user_name: str | None = None
    resource_link_id: str | None = None
    ags: dict[str, Any] = Field(description="The launch's AGS endpoint claim.")
    label: str = Field(description="The line item's label if the tool must create one.")
    score_given: float
    score_maximum: float


class OutboxEntry(ScoreToSend):
    line_item_url: str | None = None
    state: ScoreState
    attempts: int
    last_error: str | None = None
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime


class SqlScoreOutbox:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(self, score: ScoreToSend) -> OutboxEntry:
        """The quiz's latest grade, pending; a quiz graded again is sent again."""
        now = utcnow()
        fresh = {"state": "pending", "attempts": 0, "last_error": None}
        fresh |= {"next_attempt_at": now, "updated_at": now}
        with self.engine.begin() as conn:
            found = conn.execute(
                sa.select(lti_score_outbox.c.quiz_id)
                .where(lti_score_outbox.c.quiz_id == score.quiz_id)
                .with_for_update()
            ).first()
            if found is None:
                values = score.model_dump() | fresh | {"created_at": now}
                conn.execute(lti_score_outbox.insert().values(**values))
            else:
                values = score.model_dump(exclude={"quiz_id"}) | fresh
                conn.execute(
                    lti_score_outbox.update()
                    .where(lti_score_outbox.c.quiz_id == score.quiz_id)
                    .values(**values)
                )
        return self.get(score.quiz_id)

    def get(self, quiz_id: str) -> OutboxEntry:
        query = lti_score_outbox.select().where(lti_score_outbox.c.quiz_id == quiz_id)
        with self.engine.connect() as conn:
            return _entry(conn.execute(query).one())

    def for_course(self, course_id: str, limit: int = 500) -> list[OutboxEntry]:
        query = (
            lti_score_outbox.select()
            .where(lti_score_outbox.c.course_id == course_id)
            .order_by(lti_score_outbox.c.updated_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_entry(row) for row in conn.execute(query)]

    def claim_due(self, lease_s: float, limit: int = 20) -> list[OutboxEntry]:
        """Pending scores whose time has come, each taken for `lease_s` seconds: another
        sender (a replica) skips them meanwhile, and takes them again if this one dies."""
        now = utcnow()
        query = (
            lti_score_outbox.select()
            .where(
                lti_score_outbox.c.state == "pending",
                lti_score_outbox.c.next_attempt_at <= now,
            )
            .order_by(lti_score_outbox.c.next_attempt_at)
            .limit(limit)
        )
        claimed = []
        with self.engine.begin() as conn:
            for row in conn.execute(query).all():
                taken = conn.execute(
                    lti_score_outbox.update()
                    .where(
                        lti_score_outbox.c.quiz_id == row.quiz_id,
                        lti_score_outbox.c.next_attempt_at == row.next_attempt_at,
                        lti_score_outbox.c.state == "pending",
                    )
                    .values(next_attempt_at=now + timedelta(seconds=lease_s))
                )
                if taken.rowcount == 1:
                    claimed.append(_entry(row))
        return claimed

    def sent(self, quiz_id: str, line_item_url: str, attempts: int) -> None:
        self._set(
            quiz_id, state="sent", attempts=attempts, last_error=None, line_item_url=line_item_url
        )

    def retry(
        self, quiz_id: str, error: str, attempts: int, delay_s: float, line_item_url: str | None
    ) -> None:
        later = utcnow() + timedelta(seconds=delay_s)
        self._set(
            quiz_id,
            attempts=attempts,
            last_error=error[:2000],
            next_attempt_at=later,
            line_item_url=line_item_url,
        )

    def failed(self, quiz_id: str, error: str, attempts: int) -> None:
        self._set(quiz_id, state="failed", attempts=attempts, last_error=error[:2000])

    def _set(self, quiz_id: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                lti_score_outbox.update()
                .where(lti_score_outbox.c.quiz_id == quiz_id)
                .values(updated_at=utcnow(), **values)
            )


def _entry(row: sa.Row[Any]) -> OutboxEntry:
    return OutboxEntry.model_validate(row._asdict())
