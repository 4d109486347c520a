"""Step progress of a job item: every new step is shown, repeats of one step are throttled."""

from __future__ import annotations

from byosc.jobs.steps import JobSteps


class _Sink:
    def __init__(self) -> None:
        self.written: list[str] = []

    def item_step(self, item_id: str, step: str, timings: dict[str, float]) -> None:
        self.written.append(step)


def test_each_new_step_is_written_and_a_repeated_step_only_now_and_then() -> None:
    sink = _Sink()
    steps = JobSteps(sink, "item-1")
    steps.begin("read")
    steps.begin("extract")
    for n in range(1, 4):
        steps.begin("embed", f"{n}/3 batches")
        steps.begin("embed", f"{n}/3 batches, again")
    assert sink.written == ["read", "extract", "embed 1/3 batches"]


def test_seconds_are_summed_per_step() -> None:
    steps = JobSteps(_Sink(), "item-1")
    for _ in range(3):
        steps.begin("embed")
        steps.begin("index")
    timings = steps.finish()
    assert set(timings) == {"embed", "index"}
    assert all(seconds >= 0 for seconds in timings.values())
