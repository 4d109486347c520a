"""A circuit breaker around the model server, so a server that is down costs a chat nothing.

Without it every chat turn would wait for the connection or the timeout before answering
with the retrieved passages; once the server has failed often enough in a row, calls fail
at once until a single probe finds it answering again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, get_args

from byosc.errors import ModelUnavailable
from byosc.ports import ChatModel, Completion

CircuitState = Literal["closed", "open", "half_open"]
# Why a call to the model server failed, for monitoring. Kinds of ModelUnavailable name
# theirs in `reason` (CircuitOpen here, the OpenAI client's timeout and error status).
ModelFailure = Literal["timeout", "unavailable", "error_status", "breaker_open"]
MODEL_FAILURES: tuple[ModelFailure, ...] = get_args(ModelFailure)


class CircuitOpen(ModelUnavailable):
    """Refused without calling the model server: it failed too often just now."""

    reason = "breaker_open"


def failure_reason(exc: ModelUnavailable) -> ModelFailure:
    reason: Any = getattr(exc, "reason", None)
    return reason if reason in MODEL_FAILURES else "unavailable"


class CircuitBreaker:
    """closed: calls go through, consecutive failures are counted. open: calls fail fast
    for `open_s`. half_open: one probe goes through; success closes, failure reopens.

    Thread-safe: the inference service calls the model from a thread pool.
    """

    def __init__(
        self, failures_to_open: int, open_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failures_to_open < 1:
            raise ValueError("failures_to_open must be at least 1")
        self.failures_to_open = failures_to_open
        self.open_s = open_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_since: float | None = None

    def state(self) -> CircuitState:
        with self._lock:
            return self._state(self._clock())

    def before_call(self) -> None:
        """Raise CircuitOpen unless this call may reach the model server."""
        with self._lock:
            now = self._clock()
            state = self._state(now)
            if state == "closed":
                return
            # A probe that never reports back (a stream its reader dropped) must not keep
            # the circuit half-open for ever, so it gives way after an open period.
            probing = self._probe_since is not None and now - self._probe_since < self.open_s
            if state == "half_open" and not probing:
                self._probe_since = now
                return
            assert self._opened_at is not None
            wait_s = max(0.0, self._opened_at + self.open_s - now)
            raise CircuitOpen(
                f"the model server failed {self._failures} times in a row; "
                f"it is not called again for {wait_s:.0f} s"
            )

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_since = None

    def record_failure(self) -> None:
        with self._lock:
            now = self._clock()
            self._failures += 1
            probe_failed = self._state(now) == "half_open"
            if probe_failed or self._failures >= self.failures_to_open:
                self._opened_at = now
            self._probe_since = None

    @contextmanager
    def calling(self) -> Iterator[None]:
        """Guard one call: ModelUnavailable counts as a failure; any other outcome means
        the server answered."""
        self.before_call()
        try:
            yield
        except ModelUnavailable:
            self.record_failure()
            raise
        except Exception:
            self.record_success()
            raise
        self.record_success()

    def _state(self, now: float) -> CircuitState:
        if self._opened_at is None:
            return "closed"
        return "open" if now - self._opened_at < self.open_s else "half_open"


class BreakerChatModel:
    """The ChatModel port with its generating calls guarded by a circuit breaker."""

    def __init__(self, model: ChatModel, breaker: CircuitBreaker) -> None:
        self.model = model
        self.breaker = breaker

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion:
        with self.breaker.calling():
            return self.model.complete(messages, model=model, max_tokens=max_tokens, stop=stop)

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Generator[str, None, None]:
        # The first piece settles whether the server answers; a long answer must not hold
        # a half-open circuit's probe until it ends.
        with self.breaker.calling():
            pieces = iter(
                self.model.stream(messages, model=model, max_tokens=max_tokens, stop=stop)
            )
            first = next(pieces, None)
        if first is None:
            return
        yield first
        try:
            yield from pieces
        except ModelUnavailable:
            self.breaker.record_failure()
            raise

    def models(self) -> list[str]:
        # Unguarded: health checks must see the server itself, not the breaker.
        return self.model.models()
