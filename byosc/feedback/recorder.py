"""BackgroundRecorder: writes a chat's side records on a thread of its own, so a slow or
failing metadata DB never holds up or breaks the answer that caused them."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

# Writes waiting at once; beyond it new ones are dropped (and logged) rather than held in
# memory while the database is stuck.
PENDING = 1000

# In the queue: a record to write, an event to set once the records before it are written,
# or None to stop.
_Item = tuple[str, str] | threading.Event | None


class BackgroundRecorder:
    """Calls `write(course_id, text)` for each `record`, in order, on one daemon thread."""

    def __init__(self, write: Callable[[str, str], object], pending: int = PENDING) -> None:
        self._write = write
        self._pending = pending
        self._queue: queue.Queue[_Item] = queue.Queue(pending)
        self._thread = threading.Thread(target=self._run, name="byosc-recorder", daemon=True)
        self._thread.start()

    def record(self, course_id: str, text: str) -> None:
        """Never blocks: a full queue drops the record, with a warning."""
        try:
            self._queue.put_nowait((course_id, text))
        except queue.Full:
            log.warning("course %s: record dropped, %d already waiting", course_id, self._pending)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Waits until every record so far is written (or has failed); False on timeout."""
        written = threading.Event()
        self._queue.put(written, timeout=timeout_s)
        return written.wait(timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        """Writes what is waiting, then stops the thread."""
        self._queue.put(None, timeout=timeout_s)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
                continue
            course_id, text = item
            try:
                self._write(course_id, text)
            except Exception:  # logged, never raised: the answer has gone out already
                log.exception("course %s: could not record %r", course_id, text[:200])
