"""The engine's one thread: it runs model work in arrival order and decodes every running
generation together, admitting new ones between decode steps (continuous batching).

One thread owns the model because peft's adapter hooks and adapter loading change the
shared model, and because torch's OpenMP runtime runs about 40% slower per token once a
second thread has started parallel work in the process (measured on 2 cores). Other work
(loading or unloading an adapter) runs between two steps, never inside one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import torch

from byosc.errors import NotFound
from byosc.llm.batching import DecodeBatch, SequenceState

T = TypeVar("T")


class Served(Protocol):
    """What the loop asks of the engine, on the loop's thread."""

    def serves(self, name: str) -> bool: ...

    def model_for(self, names: list[str]) -> tuple[Any, dict[str, Any]]: ...

    def ends(self, sequence: SequenceState) -> bool: ...


@dataclass
class EngineStats:
    """What the engine is doing, for a server's metrics: read from any thread, written by
    the engine's own."""

    running: int = 0  # sequences in the batch
    generated_tokens: int = 0
    cancelled: int = 0  # generations stopped, or skipped, because their caller left


class BatchingLoop:
    """`window_s`: how long an idle loop waits after a first request for others to start
    with it; requests arriving while a batch runs join it at the next step without waiting.
    `max_batch`: sequences decoded together at most; later ones wait their turn."""

    def __init__(self, stats: EngineStats, window_s: float = 0.01, max_batch: int = 16) -> None:
        self.stats = stats
        self.window_s = window_s
        self.max_batch = max_batch
        self.served: Served | None = None
        self._batch = DecodeBatch()
        self._calls: deque[tuple[Callable[[], Any], Future[Any]]] = deque()
        self._waiting: deque[SequenceState] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="llm-engine", daemon=True)
        self._thread.start()

    def call(self, work: Callable[..., T], *args: Any) -> T:
        """Runs `work` on the loop's thread between two decode steps and returns its result."""
        done: Future[T] = Future()
        with self._wake:
            if self._closed:
                raise RuntimeError("the engine is closed")
            self._calls.append((lambda: work(*args), done))
            self._wake.notify()
        return done.result()

    def submit(self, sequence: SequenceState) -> Future[list[int]]:
        """Queues a generation; its future holds the new token ids once it ends."""
        with self._wake:
            if self._closed:
                raise RuntimeError("the engine is closed")
            self._waiting.append(sequence)
            self._wake.notify()
        return sequence.done

    def close(self) -> None:
        """Finishes queued and running work, then stops the thread."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not (self._calls or self._waiting or self._batch or self._closed):
                    self._wake.wait()
                if not (self._calls or self._waiting or self._batch):
                    return  # closed, and nothing is left to do
                if not self._batch and self._waiting:
                    self._gather()
                calls = list(self._calls)
                self._calls.clear()
                room = max(self.max_batch - len(self._batch), 0)
                admitted = [self._waiting.popleft() for _ in range(min(room, len(self._waiting)))]
            for work, done in calls:
                _settle(done, work)
            with torch.inference_mode():
                for sequence in admitted:
                    self._admit(sequence)
                if self._batch:
                    self._step()
            self.stats.running = len(self._batch)

    def _gather(self) -> None:
        """Waits up to the window (lock held by the caller) for more requests to start with."""
        deadline = time.monotonic() + self.window_s
        while len(self._waiting) < self.max_batch and (left := deadline - time.monotonic()) > 0:
            self._wake.wait(left)

    def _admit(self, sequence: SequenceState) -> None:
        if sequence.cancel.is_set():  # its caller left while it waited
            self.stats.cancelled += 1
            sequence.finish()
            return
        served = self._served()
        try:
            if not served.serves(sequence.model):
                raise NotFound(f"The model `{sequence.model}` does not exist.")
            model, selection = served.model_for([sequence.model])
            token = self._batch.prefill(model, sequence, selection)
        except Exception as exc:
            self._batch.drop([sequence])
            sequence.finish(exc)
            return
        self._take(sequence, token)
        self._end([sequence] if served.ends(sequence) else [])

    def _step(self) -> None:
        served = self._served()
        cancelled = [row for row in self._batch.rows if row.cancel.is_set()]
        self.stats.cancelled += len(cancelled)
        self._end(cancelled)
        gone = [row for row in self._batch.rows if not served.serves(row.model)]
        self._end(gone, NotFound("the adapter was unloaded during the generation"))
        if not self._batch:
            return
        rows = list(self._batch.rows)
        try:
            model, selection = served.model_for([row.model for row in rows])
            tokens = self._batch.step(model, selection)
        except Exception as exc:
            self._end(rows, exc)
            return
        for row, token in zip(rows, tokens, strict=True):
            self._take(row, token)
        self._end([row for row in rows if served.ends(row)])

    def _take(self, sequence: SequenceState, token: int) -> None:
        sequence.add(token)
        self.stats.generated_tokens += 1

    def _end(self, sequences: list[SequenceState], error: BaseException | None = None) -> None:
        self._batch.drop(sequences)
        for sequence in sequences:
            sequence.finish(error)

    def _served(self) -> Served:
        if self.served is None:
            raise RuntimeError("the loop serves no engine yet")
        return self.served


def _settle(done: Future[Any], work: Callable[[], Any]) -> None:
    try:
        done.set_result(work())
    except BaseException as exc:
        done.set_exception(exc)
