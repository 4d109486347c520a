"""The ID of the request being handled, so its log lines and the calls it makes carry it.

Each service sets it per request (services/common/request_middleware.py), the job worker
per task; the log formatter and the clients of other services read it. A ContextVar, so
requests served side by side, on one event loop or in a thread pool, keep their own.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
# Anything else a caller sends is replaced: the ID goes into logs and other services'
# headers, so it must not carry line breaks, quotes or unbounded text.
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _current.get()


def set_request_id(request_id: str | None) -> Token[str | None]:
    return _current.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    _current.reset(token)


def is_sane(candidate: str | None) -> bool:
    return candidate is not None and _SANE.fullmatch(candidate) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(candidate: str | None) -> str:
    """The caller's ID when it is sane, else a new one."""
    return candidate if candidate is not None and is_sane(candidate) else new_request_id()


def request_id_headers() -> dict[str, str]:
    """The header that hands the current request on to another service; none outside one."""
    request_id = _current.get()
    return {HEADER: request_id} if request_id else {}
