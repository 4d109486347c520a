"""The local engine in-process: behaviour the HTTP tests cannot see."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.errors import ByoscError
from byosc.llm.adapters import AdapterRejected
from byosc.llm.engine import LocalEngine
from byosc.settings import BASE_MODEL_NAME
from tests.support.lora import make_lora_adapter

pytestmark = pytest.mark.slow

HELLO = [{"role": "user", "content": "Say hello to the class."}]
CATS = [{"role": "user", "content": "Write the word cat twenty times."}]
QUOTE = [
    {
        "role": "user",
        "content": "Repeat this sentence exactly: the quick brown fox jumps over the lazy dog.",
    }
]


@pytest.fixture(scope="module")
def engine(llm_dir: Path) -> Iterator[LocalEngine]:
    engine = LocalEngine(llm_dir, base_name=BASE_MODEL_NAME)
    yield engine
    engine.close()


def test_the_base_model_loads_from_the_prepared_directory_in_seconds(llm_dir: Path) -> None:
    started = time.perf_counter()
    LocalEngine(llm_dir).close()
    assert time.perf_counter() - started < 5.0


def test_closing_a_stream_stops_the_generation_early(engine: LocalEngine) -> None:
    stream = engine.stream(HELLO, max_tokens=200)
    assert next(stream)
    stream.close()
    rest = list(stream)
    assert stream.result.completion_tokens < 50, rest


def test_a_cancelled_generation_stops_at_its_next_token(engine: LocalEngine) -> None:
    counting = [{"role": "user", "content": "Count from 1 to 1000, one number per line."}]
    cancel = threading.Event()
    before = engine.stats.generated_tokens
    threading.Timer(0.5, cancel.set).start()
    cut = engine.generate(counting, max_tokens=400, cancel=cancel)
    assert 0 < cut.completion_tokens < 400
    assert engine.stats.generated_tokens - before == cut.completion_tokens


def test_a_generation_cancelled_while_it_waits_never_runs(engine: LocalEngine) -> None:
    cancel = threading.Event()
    cancel.set()
    before = engine.stats
    tokens, cancelled = before.generated_tokens, before.cancelled
    skipped = engine.generate(HELLO, max_tokens=50, cancel=cancel)
    assert skipped.completion_tokens == 0 and skipped.text == ""
    assert (engine.stats.generated_tokens, engine.stats.cancelled) == (tokens, cancelled + 1)


def test_callers_on_many_threads_all_get_the_same_answer(engine: LocalEngine) -> None:
    answers: list[str] = []
    callers = [
        threading.Thread(target=lambda: answers.append(engine.generate(HELLO, max_tokens=6).text))
        for _ in range(3)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(answers) == 3 and len(set(answers)) == 1


def test_a_stream_reports_the_same_usage_as_a_completion(engine: LocalEngine) -> None:
    stream = engine.stream(HELLO, max_tokens=6)
    text = "".join(stream)
    whole = engine.generate(HELLO, max_tokens=6)
    assert (text, stream.result.usage) == (whole.text, whole.usage)


def test_sampling_with_a_temperature_still_answers(engine: LocalEngine) -> None:
    answer = engine.generate(HELLO, max_tokens=6, temperature=0.8, top_p=0.9)
    assert answer.completion_tokens > 0


def test_a_prompt_longer_than_the_context_is_refused(engine: LocalEngine) -> None:
    too_long = [{"role": "user", "content": "word " * (engine.max_model_len + 10)}]
    with pytest.raises(ByoscError, match="reads at most"):
        engine.generate(too_long, max_tokens=4)


def test_an_adapter_that_fails_to_load_leaves_the_base_model_as_it_was(
    engine: LocalEngine, tmp_path: Path, llm_dir: Path
) -> None:
    before = engine.generate(HELLO, max_tokens=8).text
    complete = make_lora_adapter(llm_dir, tmp_path / "complete", seed=5)
    weightless = tmp_path / "weightless"
    weightless.mkdir()
    config = json.loads((complete / "adapter_config.json").read_text())
    (weightless / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(AdapterRejected, match="could not load"):
        engine.load_adapter("broken", weightless)
    assert engine.models() == [BASE_MODEL_NAME]
    assert engine.generate(HELLO, max_tokens=8).text == before
    engine.load_adapter("complete", complete)
    try:
        assert engine.generate(HELLO, model="complete", max_tokens=8).text != before
    finally:
        engine.unload_adapter("complete")
    assert engine.generate(HELLO, max_tokens=8).text == before


def test_the_text_ends_before_a_stop_string_streamed_or_not(engine: LocalEngine) -> None:
    free = engine.generate(HELLO, max_tokens=12).text
    stop = free.split()[2]
    before = free[: free.index(stop)]
    stopped = engine.generate(HELLO, max_tokens=12, stop=[stop])
    stream = engine.stream(HELLO, max_tokens=12, stop=["</source", stop])
    pieces = list(stream)
    assert (stopped.text, stopped.finish_reason) == (before, "stop")
    assert ("".join(pieces), stream.result.text) == (before, before)
    assert stopped.completion_tokens < 12


def test_repetition_controls_reach_the_generation(engine: LocalEngine) -> None:
    free = engine.generate(CATS, max_tokens=24).text
    penalised = engine.generate(CATS, max_tokens=24, repetition_penalty=1.5).text
    no_repeats = engine.generate(CATS, max_tokens=24, no_repeat_ngram_size=2).text
    assert free.lower().count("cat") > 3, free
    assert penalised != free
    assert no_repeats.lower().count("cat") < free.lower().count("cat"), no_repeats


def test_an_answer_kept_from_repeating_itself_may_still_quote_its_prompt(
    engine: LocalEngine,
) -> None:
    free = engine.generate(QUOTE, max_tokens=16).text
    guarded = engine.generate(QUOTE, max_tokens=16, no_repeat_ngram_size=3).text
    assert "quick brown fox jumps" in free.lower(), free
    assert "quick brown fox jumps" in guarded.lower(), guarded
