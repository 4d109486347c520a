"""Which failures are worth another attempt, and how a failure reads in a job."""

from __future__ import annotations

import sys

import httpx
import sqlalchemy as sa

from byosc.errors import ByoscError, SourceUnavailable


class TransientError(ByoscError):
    """A dependency did not answer (index, database, source): the same work may succeed later."""


_TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    SourceUnavailable,
    httpx.TransportError,
    sa.exc.OperationalError,
    ConnectionError,
    TimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _TRANSIENT):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return _qdrant_unreachable(exc)


def _qdrant_unreachable(exc: BaseException) -> bool:
    # Checked only when qdrant-client is loaded, so this module does not import it.
    module = sys.modules.get("qdrant_client.http.exceptions")
    kind = getattr(module, "ResponseHandlingException", None) if module else None
    return kind is not None and isinstance(exc, kind)


def describe(exc: BaseException) -> str:
    """A reason a person can read: the platform's own errors say it, others get their type."""
    if isinstance(exc, ByoscError):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


def gave_up(attempts: int, last_error: str | None) -> str:
    if last_error:
        return f"gave up after {attempts} attempts; last error: {last_error}"
    return (
        f"gave up after {attempts} attempts: the worker stopped each time while processing it "
        "(crashed, ran out of memory or was killed)"
    )
