"""The local engine decodes concurrent requests together, across adapters, and each answer is
token for token the one greedy decoding gives that request alone."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from byosc.errors import NotFound
from byosc.llm.chat_template import format_chat
from byosc.llm.engine import LocalEngine
from byosc.llm.generation import Generation
from byosc.settings import BASE_MODEL_NAME
from tests.support.lora import make_lora_adapter

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Say hello to the class.",
    "What is paging in an operating system?",
    "Name three primary colours.",
    "Explain recursion in one sentence.",
    "Write a haiku about the sea.",
    "What is two plus two?",
]
MODELS = ["course-a", "course-b", BASE_MODEL_NAME]
JOBS = [(MODELS[i % 3], [{"role": "user", "content": q}]) for i, q in enumerate(QUESTIONS)]
MAX_TOKENS = 20


@pytest.fixture(scope="module")
def adapters(llm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    return {
        "course-a": make_lora_adapter(llm_dir, root / "a", seed=1),
        "course-b": make_lora_adapter(llm_dir, root / "b", seed=2),
    }


@pytest.fixture(scope="module")
def engine(llm_dir: Path, adapters: dict[str, Path]) -> Iterator[LocalEngine]:
    engine = LocalEngine(llm_dir, base_name=BASE_MODEL_NAME)
    for name, path in adapters.items():
        engine.load_adapter(name, path)
    yield engine
    engine.close()


def _generate_alone(llm_dir: Path, adapters: dict[str, Path]) -> list[list[int]]:
    """transformers' own greedy generate(), one request at a time, outside the engine."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer: Any = AutoTokenizer.from_pretrained(llm_dir, local_files_only=True)
    base = AutoModelForCausalLM.from_pretrained(llm_dir, dtype=torch.float32).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = PeftModel.from_pretrained(base, str(adapters["course-a"]), adapter_name="course-a")
        model.load_adapter(str(adapters["course-b"]), adapter_name="course-b")
    answers = []
    for name, messages in JOBS:
        prompt = format_chat(tokenizer, messages, add_generation_prompt=True)
        ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
        slot = name if name in adapters else "__base__"
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                adapter_names=[slot],
                do_sample=False,
                max_new_tokens=MAX_TOKENS,
                pad_token_id=tokenizer.eos_token_id,
            )
        answers.append(out[0, ids.shape[1] :].tolist())
    return answers


def _concurrently(engine: LocalEngine, jobs: list[Any] = JOBS) -> list[Generation]:
    """Each job asked from its own thread at once; the answers in the jobs' order."""
    answers: list[Generation | None] = [None] * len(jobs)

    def ask(i: int) -> None:
        model, messages = jobs[i]
        answers[i] = engine.generate(messages, model=model, max_tokens=MAX_TOKENS)

    callers = [threading.Thread(target=ask, args=(i,)) for i in range(len(jobs))]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert all(answers)
    return [a for a in answers if a is not None]


def test_concurrent_requests_over_three_adapters_get_the_tokens_each_gets_alone(
    engine: LocalEngine, llm_dir: Path, adapters: dict[str, Path]
) -> None:
    alone = _generate_alone(llm_dir, adapters)
    together = _concurrently(engine)
    assert [list(a.token_ids) for a in together] == alone
    assert len({tuple(ids) for ids in alone}) == len(alone)  # the adapters change the answers


def test_requests_decoded_together_share_forward_passes(engine: LocalEngine) -> None:
    alone_started = time.perf_counter()
    one_by_one = [engine.generate(m, model=n, max_tokens=MAX_TOKENS) for n, m in JOBS]
    alone_s = time.perf_counter() - alone_started
    together_started = time.perf_counter()
    together = _concurrently(engine)
    together_s = time.perf_counter() - together_started
    assert [a.text for a in together] == [a.text for a in one_by_one]
    assert together_s < alone_s / 1.5, (together_s, alone_s)


def test_a_stream_joining_a_running_batch_gets_its_own_answer(engine: LocalEngine) -> None:
    name, messages = JOBS[1]
    expected = engine.generate(messages, model=name, max_tokens=MAX_TOKENS)
    long_runner = threading.Thread(
        target=lambda: engine.generate(JOBS[0][1], model=JOBS[0][0], max_tokens=60)
    )
    long_runner.start()
    time.sleep(0.3)  # the long generation is decoding when the stream arrives
    stream = engine.stream(messages, model=name, max_tokens=MAX_TOKENS)
    text = "".join(stream)
    long_runner.join()
    assert (text, stream.result.token_ids) == (expected.text, expected.token_ids)


def test_a_cancelled_request_leaves_the_batch_and_the_others_finish_unchanged(
    engine: LocalEngine,
) -> None:
    expected = [engine.generate(m, model=n, max_tokens=MAX_TOKENS) for n, m in JOBS[:2]]
    cancel = threading.Event()
    counting = [{"role": "user", "content": "Count from 1 to 1000, one number per line."}]
    cancelled_before = engine.stats.cancelled
    results: dict[str, Generation] = {}
    leaver = threading.Thread(
        target=lambda: results.update(cut=engine.generate(counting, max_tokens=400, cancel=cancel))
    )
    leaver.start()
    time.sleep(0.3)
    threading.Timer(0.5, cancel.set).start()
    stayers = _concurrently(engine, JOBS[:2])
    leaver.join()
    assert 0 < results["cut"].completion_tokens < 400
    assert engine.stats.cancelled == cancelled_before + 1
    assert [s.token_ids for s in stayers] == [e.token_ids for e in expected]


def test_unloading_an_adapter_ends_its_running_generation_and_spares_the_others(
    engine: LocalEngine, llm_dir: Path, tmp_path: Path
) -> None:
    engine.load_adapter("course-c", make_lora_adapter(llm_dir, tmp_path / "c", seed=3))
    counting = [{"role": "user", "content": "Count from 1 to 1000, one number per line."}]
    expected = engine.generate(JOBS[2][1], model=BASE_MODEL_NAME, max_tokens=60)
    outcome: dict[str, Any] = {}

    def run(key: str, model: str, messages: list[dict[str, str]]) -> None:
        try:
            outcome[key] = engine.generate(messages, model=model, max_tokens=60)
        except NotFound as exc:
            outcome[key] = exc

    threads = [
        threading.Thread(target=run, args=("c", "course-c", counting)),
        threading.Thread(target=run, args=("base", BASE_MODEL_NAME, JOBS[2][1])),
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    engine.unload_adapter("course-c")
    for thread in threads:
        thread.join()
    assert isinstance(outcome["c"], NotFound)
    assert outcome["base"].token_ids == expected.token_ids
