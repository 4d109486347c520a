"""Request IDs through the job queue: a task sent while a request is handled carries its
ID in a message header, and the worker makes it the current request ID while the task
runs, so the job's log lines (and the tasks it sends on) join the request that started it.

Celery's signals are process-wide: `carry_request_ids()` once in each process that sends
or runs tasks.
"""

from __future__ import annotations

from typing import Any

from celery import signals

from byosc.request_ids import current_request_id, is_sane, set_request_id

# A message header of its own: Celery's task headers already use "id" and "root_id".
MESSAGE_HEADER = "byosc_request_id"


def _stamp(headers: dict[str, Any] | None = None, **_: object) -> None:
    request_id = current_request_id()
    if headers is not None and request_id is not None:
        headers.setdefault(MESSAGE_HEADER, request_id)


def _enter(task: Any = None, **_: object) -> None:
    request_id = getattr(getattr(task, "request", None), MESSAGE_HEADER, None)
    # A task sent outside any request (the CLI, a beat) runs without one.
    set_request_id(request_id if is_sane(request_id) else None)


def _leave(**_: object) -> None:
    set_request_id(None)


def carry_request_ids() -> None:
    signals.before_task_publish.connect(_stamp, weak=False, dispatch_uid="byosc-stamp-request")
    signals.task_prerun.connect(_enter, weak=False, dispatch_uid="byosc-enter-request")
    signals.task_postrun.connect(_leave, weak=False, dispatch_uid="byosc-leave-request")
