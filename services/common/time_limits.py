"""Task time limits that fail the work they stop, with a reason naming the limit's setting.

At a task's soft limit Celery's pool sends its process SIGUSR1, whose handler raises
SoftTimeLimitExceeded wherever the task is. The job runners of `byosc` record a ByoscError's
message as the reason a document or job failed, so before each task the handler is replaced
by one that raises TimeLimitReached, which is both. At the hard limit the worker kills the
process and reports the task as failed in its main process: `fail_timed_out_work` then fails
the item or job there, so it does not stay `running` until someone looks.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any, Protocol, cast

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

from byosc.errors import ByoscError
from byosc.jobs.sql import SqlJobStore
from services.common.jobqueue import (
    LIMIT_OF,
    PROCESS_DOCUMENT,
    PROCESS_RECORDING,
    time_limit_setting,
)

log = logging.getLogger(__name__)
_WORK = {
    "documents": "a document",
    "recordings": "a recording",
    "instruction_sets": "an instruction set",
    "training": "a training",
}


class TimeLimitReached(ByoscError, SoftTimeLimitExceeded):
    """A task ran past its soft time limit; the message says which and where it is set."""


class _JobsApp(Protocol):
    def context(self) -> Any: ...


def soft_limit_reason(task_name: str, seconds: float) -> str:
    work = _WORK[LIMIT_OF[task_name]]
    return (
        f"stopped at the soft time limit for {work} ({seconds:g} s, "
        f"{time_limit_setting(task_name, 'soft')})"
    )


def hard_limit_reason(task_name: str, seconds: float) -> str:
    work = _WORK[LIMIT_OF[task_name]]
    return (
        f"killed at the hard time limit for {work} ({seconds:g} s, "
        f"{time_limit_setting(task_name, 'hard')}): it did not stop at its soft limit"
    )


def arm_soft_limit(task: Task | None = None, **_: object) -> None:
    """task_prerun: the next soft limit of this process raises TimeLimitReached for `task`."""
    if task is None or task.name not in LIMIT_OF:
        return
    # Signal handlers belong to the main thread: a threads pool keeps Celery's own.
    if threading.current_thread() is not threading.main_thread():
        return
    hard_soft = task.request.timelimit or (None, None)
    seconds = hard_soft[1] or task.soft_time_limit
    if not seconds:
        return
    reason = soft_limit_reason(task.name, seconds)

    def interrupt(_signum: int, _frame: object) -> None:
        raise TimeLimitReached(reason)

    signal.signal(signal.SIGUSR1, interrupt)


def fail_timed_out_work(
    sender: Task | None = None,
    exception: BaseException | None = None,
    args: tuple[Any, ...] | list[Any] | None = None,
    **_: object,
) -> None:
    """task_failure: fails the job item or job of a task stopped by a time limit. The job
    runners already did so for a soft limit caught inside them; failing twice is a no-op."""
    if sender is None or sender.name not in LIMIT_OF or not args:
        return
    if isinstance(exception, TimeLimitExceeded):
        reason = hard_limit_reason(sender.name, float(exception.args[0] if exception.args else 0))
    elif isinstance(exception, SoftTimeLimitExceeded):
        reason = str(exception) or soft_limit_reason(sender.name, sender.soft_time_limit or 0)
    else:
        return
    log.error("%s %s", sender.name, reason)
    jobs: SqlJobStore = cast(_JobsApp, sender.app).context().jobs
    if sender.name in (PROCESS_DOCUMENT, PROCESS_RECORDING):
        jobs.finish_item(str(args[1]), "failed", error=reason)
    else:
        jobs.fail_job(str(args[0]), reason)
