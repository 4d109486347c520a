"""Step progress and timings of one job item, written to the DB at a bounded rate."""

from __future__ import annotations

import time
from typing import Protocol

# A long document reports its batches many times a second; users poll far less often.
MIN_WRITE_INTERVAL_S = 0.5


class StepSink(Protocol):
    def item_step(self, item_id: str, step: str, timings: dict[str, float]) -> None: ...


class JobSteps:
    """Seconds spent per step ("extract", "embed", ...), summed over repeated steps."""

    def __init__(self, sink: StepSink, item_id: str) -> None:
        self.sink = sink
        self.item_id = item_id
        self.timings: dict[str, float] = {}
        self._current: str | None = None
        self._since = time.perf_counter()
        self._written = float("-inf")

    def begin(self, step: str, detail: str = "") -> None:
        now = time.perf_counter()
        self._close(now)
        new_step = step != self._current
        self._current, self._since = step, now
        if new_step or now - self._written >= MIN_WRITE_INTERVAL_S:
            self._written = now
            self.sink.item_step(self.item_id, f"{step} {detail}".strip(), self.rounded())

    def finish(self) -> dict[str, float]:
        self._close(time.perf_counter())
        self._current = None
        return self.rounded()

    def rounded(self) -> dict[str, float]:
        return {step: round(seconds, 4) for step, seconds in self.timings.items()}

    def _close(self, now: float) -> None:
        if self._current is not None:
            self.timings[self._current] = self.timings.get(self._current, 0.0) + now - self._since
