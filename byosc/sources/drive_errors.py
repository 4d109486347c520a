"""Drive's failures as the platform's errors, so callers need no Google imports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from byosc.errors import BadFile, NotFound, SourceRefused, SourceUnavailable

RATE_LIMITS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


@contextmanager
def drive_errors(what: str, filename: str | None = None) -> Iterator[None]:
    """Translates what a Drive call inside raises; `what` names the thing asked for."""
    try:
        yield
    except HttpError as e:
        translated = _translated(e, what, filename or what)
        if translated is e:
            raise
        raise translated from e
    except RefreshError as e:
        raise SourceRefused(f"Google refused the service-account key: {e}") from e
    except (TransportError, httplib2.HttpLib2Error, OSError) as e:
        raise SourceUnavailable(f"Google Drive could not be reached for {what}: {e}") from e


def reasons(error: HttpError) -> set[str]:
    details = error.error_details if isinstance(error.error_details, list) else []
    return {d.get("reason", "") for d in details if isinstance(d, dict)}


def is_busy(error: HttpError) -> bool:
    """Rate limits and server errors: the client retried these before giving up."""
    status = error.status_code
    return status == 429 or status >= 500 or bool(reasons(error) & RATE_LIMITS)


def _translated(error: HttpError, what: str, filename: str) -> Exception:
    status = error.status_code
    if status == 404:
        return NotFound(f"Drive {what} not found, or not shared with the service account")
    if "exportSizeLimitExceeded" in reasons(error):
        return BadFile(filename, "too large for Google to export as PDF")
    if is_busy(error):
        return SourceUnavailable(f"Google Drive is busy ({status}) for {what}; try again later")
    if status in (401, 403):
        return SourceRefused(f"Google Drive refused access to {what}: {error.reason}")
    return error
