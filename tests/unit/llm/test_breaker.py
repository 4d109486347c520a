"""The model server's circuit breaker, on a clock the tests move by hand."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest

from byosc.domain import Usage
from byosc.errors import ModelUnavailable, NotFound
from byosc.llm.breaker import BreakerChatModel, CircuitBreaker, CircuitOpen
from byosc.ports import Completion

HELLO = [{"role": "user", "content": "hello"}]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyModel:
    """A model server that fails while `down` and counts the calls that reach it."""

    def __init__(self) -> None:
        self.down = False
        self.calls = 0
        self.pieces = ["Hello", " class"]
        self.fail_after: int | None = None

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion:
        self.calls += 1
        if self.down:
            raise ModelUnavailable("connection refused")
        return Completion(text="Hello class", model=model or "base", usage=Usage())

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        self.calls += 1
        if self.down:
            raise ModelUnavailable("connection refused")
        for n, piece in enumerate(self.pieces):
            if n == self.fail_after:
                raise ModelUnavailable("connection reset")
            yield piece

    def models(self) -> list[str]:
        return ["base"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(failures_to_open=3, open_s=10.0, clock=clock)


@pytest.fixture
def server() -> FlakyModel:
    return FlakyModel()


@pytest.fixture
def guarded(server: FlakyModel, breaker: CircuitBreaker) -> BreakerChatModel:
    return BreakerChatModel(server, breaker)


def _complete(model: BreakerChatModel) -> str:
    return model.complete(HELLO, model=None, max_tokens=8).text


def _fail(model: BreakerChatModel, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ModelUnavailable):
            _complete(model)


def test_the_circuit_stays_closed_below_the_failure_count(
    guarded: BreakerChatModel, server: FlakyModel, breaker: CircuitBreaker
) -> None:
    server.down = True
    _fail(guarded, 2)
    assert breaker.state() == "closed"
    server.down = False
    assert _complete(guarded) == "Hello class"
    server.down = True
    _fail(guarded, 2)  # the success reset the count: failures must come in a row
    assert breaker.state() == "closed"


def test_the_circuit_opens_after_the_failure_count_in_a_row_and_then_fails_fast(
    guarded: BreakerChatModel, server: FlakyModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    server.down = True
    _fail(guarded, 3)
    assert breaker.state() == "open"
    server.down = False  # it came back, but the breaker does not know yet
    clock.now += 9.9
    with pytest.raises(CircuitOpen, match="failed 3 times in a row"):
        _complete(guarded)
    with pytest.raises(CircuitOpen):
        next(iter(guarded.stream(HELLO, model=None, max_tokens=8)))
    assert server.calls == 3


def test_after_the_open_period_one_probe_goes_through_and_its_success_closes_the_circuit(
    guarded: BreakerChatModel, server: FlakyModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    server.down = True
    _fail(guarded, 3)
    clock.now += 10.0
    assert breaker.state() == "half_open"
    server.down = False
    assert _complete(guarded) == "Hello class"
    assert breaker.state() == "closed"
    assert server.calls == 4


def test_a_failed_probe_opens_the_circuit_again_for_a_whole_period(
    guarded: BreakerChatModel, server: FlakyModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    server.down = True
    _fail(guarded, 3)
    clock.now += 10.0
    _fail(guarded, 1)
    assert breaker.state() == "open"
    clock.now += 9.0
    with pytest.raises(CircuitOpen):
        _complete(guarded)
    assert server.calls == 4
    clock.now += 1.0
    assert breaker.state() == "half_open"


def test_a_half_open_circuit_lets_one_probe_through_while_the_others_fail_fast(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    for _ in range(3):
        breaker.record_failure()
    clock.now += 10.0
    breaker.before_call()  # the probe, still waiting for its answer
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    breaker.record_success()
    breaker.before_call()
    breaker.before_call()
    assert breaker.state() == "closed"


def test_a_probe_that_never_reports_back_gives_way_after_an_open_period(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    for _ in range(3):
        breaker.record_failure()
    clock.now += 10.0
    breaker.before_call()
    clock.now += 9.0
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    clock.now += 1.0
    breaker.before_call()  # a new probe


def test_an_error_the_server_answers_with_is_not_a_failure(
    breaker: CircuitBreaker,
) -> None:
    for _ in range(5):
        with pytest.raises(NotFound), breaker.calling():
            raise NotFound("no adapter named course-x")
    assert breaker.state() == "closed"


def test_a_stream_counts_its_first_piece_as_the_server_answering(
    guarded: BreakerChatModel, server: FlakyModel, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    server.down = True
    _fail(guarded, 3)
    clock.now += 10.0
    server.down = False
    pieces = iter(guarded.stream(HELLO, model=None, max_tokens=8))
    assert next(pieces) == "Hello"
    assert breaker.state() == "closed"  # before the answer ends
    assert list(pieces) == [" class"]


def test_a_stream_that_breaks_midway_counts_as_a_failure(
    guarded: BreakerChatModel, server: FlakyModel, breaker: CircuitBreaker
) -> None:
    server.fail_after = 1
    with pytest.raises(ModelUnavailable, match="reset"):
        list(guarded.stream(HELLO, model=None, max_tokens=8))
    server.down = True
    _fail(guarded, 2)
    assert breaker.state() == "open"


def test_the_model_list_reaches_the_server_even_when_the_circuit_is_open(
    guarded: BreakerChatModel, server: FlakyModel, breaker: CircuitBreaker
) -> None:
    server.down = True
    _fail(guarded, 3)
    assert breaker.state() == "open"
    assert guarded.models() == ["base"]


def test_failures_recorded_from_many_threads_at_once_are_all_counted(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failures_to_open=50, open_s=10.0, clock=clock)
    start = threading.Barrier(8)

    def fail_many() -> None:
        start.wait()
        for _ in range(25):
            breaker.record_failure()

    threads = [threading.Thread(target=fail_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert breaker.state() == "open"
    with pytest.raises(CircuitOpen, match="failed 200 times"):
        breaker.before_call()


def test_a_breaker_needs_at_least_one_failure_to_open() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failures_to_open=0, open_s=1.0)
