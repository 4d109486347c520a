"""Dynamic batching of query embeddings: concurrent callers share one `encode` call.

A transformer encodes 16 short queries in little more time than one, so a service answering
many searches at once spends most of its CPU on per-call overhead unless it batches. The
first caller to arrive leads: it waits up to the window for others, encodes everyone queued
in one call and hands each caller its vector. It stops waiting early once as many queries
are queued as the previous batch held: under steady load the same clients come back, and
waiting out the window for company that is not coming would leave the CPU idle. Callers
arriving while an encode runs queue up, and the first of them leads the next batch as soon
as the running one ends, without a second wait. No thread of its own: callers do the work,
so a lone query is delayed by the window at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Encode = Callable[[Sequence[str]], list[list[float]]]


@dataclass(eq=False)
class _Waiting:
    text: str
    woken: threading.Event = field(default_factory=threading.Event)
    vector: list[float] | None = None
    error: BaseException | None = None
    leads: bool = False  # set when promoted to encode the next batch


class QueryBatcher:
    """`window_s`: how long a batch's first query waits for company; `max_batch`: queries
    encoded together at most (a full batch starts at once)."""

    def __init__(self, encode: Encode, window_s: float = 0.003, max_batch: int = 64) -> None:
        if window_s < 0 or max_batch < 1:
            raise ValueError("window_s must be >= 0 and max_batch >= 1")
        self._encode = encode
        self.window_s = window_s
        self.max_batch = max_batch
        self._queue: list[_Waiting] = []
        self._arrived = threading.Condition()
        self._leader_busy = False
        self._expected = max_batch  # the previous batch's size: enough company to start
        self.batches = 0  # encode calls made, for checks and benchmarks

    def embed(self, text: str) -> list[float]:
        waiting = _Waiting(text)
        with self._arrived:
            self._queue.append(waiting)
            if self._leader_busy:
                self._arrived.notify()  # a leader in its window may now have a full batch
            else:
                self._leader_busy = waiting.leads = True
        if not waiting.leads:
            waiting.woken.wait()
        if waiting.leads:
            self._lead(first=waiting)
        if waiting.error is not None:
            raise waiting.error
        assert waiting.vector is not None
        return waiting.vector

    def _lead(self, first: _Waiting) -> None:
        with self._arrived:
            if not first.woken.is_set():  # a fresh batch: wait for company
                deadline = time.monotonic() + self.window_s
                while len(self._queue) < min(self._expected, self.max_batch):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._arrived.wait(left)
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            self._expected = len(batch)
        try:
            vectors = self._encode([w.text for w in batch])
            self.batches += 1
            for waiting, vector in zip(batch, vectors, strict=True):
                waiting.vector = vector
        except BaseException as exc:
            for waiting in batch:
                waiting.error = exc
        for waiting in batch:
            waiting.leads = False
            if waiting is not first:
                waiting.woken.set()
        self._hand_over()

    def _hand_over(self) -> None:
        """The first query that queued during the encode leads the next batch at once."""
        with self._arrived:
            if not self._queue:
                self._leader_busy = False
                return
            successor = self._queue[0]
            successor.leads = True
        successor.woken.set()
