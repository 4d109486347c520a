"""Batched decoding in the local model server: 8 chats over 3 models (two course LoRA
adapters and the base) sent at once, against the same 8 answered one after another.

The model server runs as its own process, as `make up` runs it, with two tiny random LoRA
adapters loaded over its API. Every chat is greedy, asks for up to `MAX_TOKENS` tokens, and
every other one is streamed. Figures: tokens/s both ways and their ratio, each chat's
seconds, and whether each chat's text and token count are the same both ways (batching must
not change an answer). The load average is recorded next to the figures: the machine is
shared, and a busy neighbour slows both runs.

Run: .venv/bin/python bench/batching.py  (writes bench/results/batching.json)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support, for adapters
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, write_result

from byosc.models import bundled_models
from byosc.settings import BASE_MODEL_NAME, Settings
from services.stack import DEFAULT_PORTS, Stack
from tests.support.lora import make_lora_adapter

MAX_TOKENS = 48
MODELS = ["course-a", "course-b", BASE_MODEL_NAME]
QUESTIONS = [
    "What is paging in an operating system?",
    "Explain round-robin scheduling in two sentences.",
    "What is a deadlock, and how can it be avoided?",
    "Why do processors have caches?",
    "What does a file system keep in an inode?",
    "What is the difference between a thread and a process?",
    "How does a semaphore work?",
    "What happens during a system call?",
]
CHATS = [(MODELS[i % len(MODELS)], q, i % 2 == 1) for i, q in enumerate(QUESTIONS)]


def chat(api: httpx.Client, model: str, question: str, stream: bool) -> dict[str, Any]:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": question}],
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
        "stream": stream,
    }
    usage: dict[str, int] = {}
    started = time.perf_counter()
    if not stream:
        response = api.post("/v1/chat/completions", json=body)
        response.raise_for_status()
        answer = response.json()
        text, usage = answer["choices"][0]["message"]["content"], answer["usage"]
    else:
        body["stream_options"] = {"include_usage": True}
        pieces: list[str] = []
        with api.stream("POST", "/v1/chat/completions", json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: {"):
                    continue
                chunk = json.loads(line.removeprefix("data: "))
                if chunk.get("usage"):
                    usage = chunk["usage"]
                pieces.extend(c["delta"].get("content") or "" for c in chunk["choices"])
        text = "".join(pieces)
    seconds = time.perf_counter() - started
    return {"text": text, "tokens": usage["completion_tokens"], "seconds": round(seconds, 2)}


def one_after_another(api: httpx.Client) -> tuple[float, list[dict[str, Any]]]:
    started = time.perf_counter()
    answers = [chat(api, *job) for job in CHATS]
    return time.perf_counter() - started, answers


def all_at_once(api: httpx.Client) -> tuple[float, list[dict[str, Any]]]:
    answers: list[dict[str, Any]] = [{} for _ in CHATS]

    def ask(i: int) -> Callable[[], None]:
        return lambda: answers.__setitem__(i, chat(api, *CHATS[i]))

    return released_together([ask(i) for i in range(len(CHATS))]), answers


def released_together(work: list[Callable[[], None]]) -> float:
    """Runs each piece of work on its own thread, all released at once; the seconds until
    the last one ends."""
    start = threading.Barrier(len(work) + 1)

    def run(piece: Callable[[], None]) -> None:
        start.wait()
        piece()

    threads = [threading.Thread(target=run, args=(piece,)) for piece in work]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def wait_ready(api: httpx.Client, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while api.get("/readyz").status_code != 200:
        if time.monotonic() > deadline:
            raise TimeoutError("the model server did not become ready")
        time.sleep(0.5)


def measure(api: httpx.Client, adapters: dict[str, Path]) -> dict[str, Any]:
    for name, path in adapters.items():
        api.post("/v1/load_lora_adapter", json={"lora_name": name, "lora_path": str(path)})
    chat(api, MODELS[0], QUESTIONS[0], False)  # first-call costs out of the figures
    load_before = os.getloadavg()
    serial_s, serial = one_after_another(api)
    batched_s, batched = all_at_once(api)
    load_after = os.getloadavg()
    tokens = sum(a["tokens"] for a in serial)
    same = [
        a["text"] == b["text"] and a["tokens"] == b["tokens"]
        for a, b in zip(serial, batched, strict=True)
    ]
    serial_rate, batched_rate = tokens / serial_s, sum(a["tokens"] for a in batched) / batched_s
    return {
        "chats": len(CHATS),
        "models": MODELS,
        "max_tokens": MAX_TOKENS,
        "completion_tokens": tokens,
        "one_after_another_s": round(serial_s, 2),
        "all_at_once_s": round(batched_s, 2),
        "one_after_another_tokens_per_s": round(serial_rate, 2),
        "all_at_once_tokens_per_s": round(batched_rate, 2),
        "tokens_per_s_ratio": round(batched_rate / serial_rate, 2),
        "identical_outputs": all(same),
        "identical_per_chat": same,
        "chat_seconds": {
            "one_after_another": [a["seconds"] for a in serial],
            "all_at_once": [a["seconds"] for a in batched],
        },
        "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-batching-") as scratch:
        root = Path(scratch)
        llm_dir = bundled_models(Settings()).llm_dir
        adapters = {
            name: make_lora_adapter(llm_dir, root / name, seed=seed)
            for seed, name in enumerate(MODELS[:2], start=1)
        }
        stack = Stack(data_dir=root / "data", ports={**DEFAULT_PORTS, "modelserver": free_port()})
        try:
            stack.start("modelserver")
            with httpx.Client(base_url=stack.url("modelserver"), timeout=600.0) as api:
                wait_ready(api)
                figures = measure(api, adapters)
        finally:
            stack.stop_all()
    write_result("batching", figures)


if __name__ == "__main__":
    main()
