"""The recorder that keeps writes off the chat's path: in order, failures logged and
survived, and a full queue drops rather than blocks."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from byosc.feedback.recorder import BackgroundRecorder


def test_records_are_written_in_order_on_another_thread() -> None:
    written: list[tuple[str, str, str]] = []

    def write(course_id: str, text: str) -> None:
        written.append((course_id, text, threading.current_thread().name))

    recorder = BackgroundRecorder(write)
    recorder.record("cs140", "first")
    recorder.record("cs140", "second")
    assert recorder.flush()
    assert [(c, t) for c, t, _ in written] == [("cs140", "first"), ("cs140", "second")]
    assert {name for *_, name in written} == {"byosc-recorder"}
    recorder.close()


def test_a_failing_write_is_logged_and_the_next_one_still_goes_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    written: list[str] = []

    def write(course_id: str, text: str) -> None:
        if text == "broken":
            raise RuntimeError("database is gone")
        written.append(text)

    recorder = BackgroundRecorder(write)
    with caplog.at_level(logging.ERROR, logger="byosc.feedback.recorder"):
        recorder.record("cs140", "broken")
        recorder.record("cs140", "fine")
        assert recorder.flush()
    assert written == ["fine"]
    assert "could not record 'broken'" in caplog.text and "database is gone" in caplog.text
    recorder.close()


def test_a_stuck_write_never_blocks_a_record_the_queue_drops_what_does_not_fit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    taken, release = threading.Event(), threading.Event()
    written: list[str] = []

    def write(course_id: str, text: str) -> None:
        taken.set()
        release.wait(10)
        written.append(text)

    recorder = BackgroundRecorder(write, pending=2)
    recorder.record("cs140", "q0")
    assert taken.wait(10)  # the thread holds q0 and waits: two places left in the queue
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="byosc.feedback.recorder"):
        for n in range(1, 6):
            recorder.record("cs140", f"q{n}")
    assert time.perf_counter() - started < 1
    assert caplog.text.count("record dropped") == 3
    release.set()
    assert recorder.flush()
    assert written == ["q0", "q1", "q2"]
    recorder.close()
