"""QueryBatcher's batching rules, over an encoder that records its calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from byosc.embed.query_batching import Encode, QueryBatcher
from tests.support.concurrent_calls import ask_at_once


def _recording_encoder(calls: list[list[str]], pause_s: float = 0.0) -> Encode:
    """Vectors of one number, the text's length; each call's texts recorded."""

    def encode(texts: Sequence[str]) -> list[list[float]]:
        calls.append(list(texts))
        time.sleep(pause_s)
        return [[float(len(t))] for t in texts]

    return encode


def test_callers_arriving_within_the_window_are_encoded_in_one_call() -> None:
    calls: list[list[str]] = []
    batcher = QueryBatcher(_recording_encoder(calls), window_s=0.2)
    vectors = ask_at_once(batcher.embed, ["a", "bb", "ccc", "dddd"])
    assert sorted(v[0] for v in vectors) == [1.0, 2.0, 3.0, 4.0]
    assert len(calls) == 1 and sorted(calls[0]) == ["a", "bb", "ccc", "dddd"]


def test_each_caller_gets_the_vector_of_its_own_text() -> None:
    batcher = QueryBatcher(_recording_encoder([], pause_s=0.01), window_s=0.002, max_batch=3)
    texts = ["x" * n for n in range(1, 30)]
    assert [v[0] for v in ask_at_once(batcher.embed, texts)] == [float(len(t)) for t in texts]


def test_a_lone_query_waits_no_longer_than_the_window() -> None:
    batcher = QueryBatcher(_recording_encoder([]), window_s=0.01)
    started = time.perf_counter()
    assert batcher.embed("solo") == [4.0]
    assert time.perf_counter() - started < 0.01 + 0.05


def test_a_full_batch_starts_without_waiting_out_the_window() -> None:
    batcher = QueryBatcher(_recording_encoder([]), window_s=5.0, max_batch=4)
    started = time.perf_counter()
    ask_at_once(batcher.embed, ["a", "b", "c", "d"])
    assert time.perf_counter() - started < 1.0


def test_an_encode_error_reaches_every_caller_of_the_batch_and_the_next_batch_works() -> None:
    failing = {"on": True}

    def encode(texts: Sequence[str]) -> list[list[float]]:
        if failing["on"]:
            raise RuntimeError("model gone")
        return [[1.0] for _ in texts]

    batcher = QueryBatcher(encode, window_s=0.05)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            batcher.embed("q")
        except RuntimeError as exc:
            errors.append(exc)

    callers = [threading.Thread(target=ask) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(errors) == 3
    failing["on"] = False
    assert batcher.embed("q") == [1.0]


def test_once_as_many_queries_as_the_last_batch_are_back_the_next_batch_starts_at_once() -> None:
    calls: list[list[str]] = []
    batcher = QueryBatcher(_recording_encoder(calls), window_s=0.3)
    ask_at_once(batcher.embed, ["a", "b", "c", "d"])  # waits out the window: no history yet
    started = time.perf_counter()
    ask_at_once(batcher.embed, ["e", "f", "g", "h"])
    assert time.perf_counter() - started < 0.15
    assert [len(call) for call in calls] == [4, 4]
