"""Jobs that outlive a metadata-database outage.

A job's state lives in the database, so while it is down a task can neither do its work nor
record that it failed: the error escapes the job code, Celery acks the message, and the
document would stay "running" forever with its job never ending. Tasks built on
`OutageTolerantTask` put themselves back on the queue instead, with a growing delay, for
as long as OUTAGE_PATIENCE_S; the next attempt starts over and records its outcome once the
database answers. An attempt is counted in the database only when it starts, so an outage
uses none of a document's `queue.max_attempts`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from celery import Task
from celery.exceptions import Retry

# A failover or a restart of a managed PostgreSQL takes seconds to a few minutes.
OUTAGE_PATIENCE_S = 600
MAX_DELAY_S = 15


def outage_delay_s(retries: int) -> int:
    return min(MAX_DELAY_S, 1 + retries)


def outage_retries() -> int:
    """How many delayed retries add up to OUTAGE_PATIENCE_S."""
    total, retries = 0, 0
    while total < OUTAGE_PATIENCE_S:
        total += outage_delay_s(retries)
        retries += 1
    return retries


def database_unreachable(exc: BaseException) -> bool:
    """Connection refused or cut, server shutting down, or (SQLite) locked too long."""
    return isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or (
        isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
    )


class OutageTolerantTask(Task):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Retry:
            raise
        except Exception as exc:
            retries = int(self.request.retries or 0)
            if not database_unreachable(exc) or retries >= outage_retries():
                raise
            raise self.retry(
                exc=exc, countdown=outage_delay_s(retries), max_retries=outage_retries()
            ) from exc
