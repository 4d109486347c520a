"""Chat latency around `make up`: how long from starting the stack until a chat is answered
by the model (not degraded), and how long the next chats take after a client cuts off a
streamed chat (a generation left running for it holds the model server's one engine).

The real processes (`make up`'s) on free ports; the sample course's Markdown uploaded
through the gateway. Chats ask for `CHAT_TOKENS` tokens; the cut chat asks for
`CUT_TOKENS` and its client leaves at its first piece.

Run: .venv/bin/python bench/chat_latency.py  (writes bench/results/chat_latency.json)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, write_result

from services.stack import SERVICES, Stack

ROOT = Path(__file__).resolve().parents[1]
MATERIAL = ROOT / "examples" / "sample-course" / "material"
COURSE = "bench-latency"
QUESTION = "What is round-robin scheduling?"
CUT_QUESTION = "Explain CPU scheduling step by step, in great detail."
CHAT_TOKENS = 48
CUT_TOKENS = 512
FIRST_CHAT_TRIES = 5


def ask(question: str, max_tokens: int, stream: bool = False) -> dict[str, Any]:
    messages = [{"role": "user", "content": question}]
    return {"course_id": COURSE, "messages": messages, "max_tokens": max_tokens, "stream": stream}


def chat(api: httpx.Client) -> dict[str, Any]:
    started = time.perf_counter()
    response = api.post("/chat", json=ask(QUESTION, CHAT_TOKENS))
    response.raise_for_status()
    seconds = round(time.perf_counter() - started, 1)
    return {"seconds": seconds, "degraded": bool(response.json().get("degraded"))}


def cut_stream(api: httpx.Client) -> float:
    """Seconds to the first piece of a long streamed answer, whose client then leaves."""
    started = time.perf_counter()
    with api.stream("POST", "/chat", json=ask(CUT_QUESTION, CUT_TOKENS, stream=True)) as r:
        r.raise_for_status()
        lines = []
        for line in r.iter_lines():
            if line == "event: delta":
                return round(time.perf_counter() - started, 1)
            lines.append(line)
    raise RuntimeError(f"the stream had no answer to cut: {lines}")


def index_course(api: httpx.Client) -> None:
    api.post("/courses", json={"id": COURSE, "name": "Latency bench"}).raise_for_status()
    files = [
        ("files", (p.name, p.read_bytes(), "text/markdown")) for p in sorted(MATERIAL.glob("*.md"))
    ]
    uploaded = api.post(f"/courses/{COURSE}/documents", files=files, params={"wait_s": 600})
    uploaded.raise_for_status()
    if uploaded.json()["job"]["state"] != "succeeded":
        raise RuntimeError(f"indexing did not succeed: {uploaded.text}")


def measure(stack: Stack) -> dict[str, Any]:
    started = time.perf_counter()
    stack.start_all()
    up_s = time.perf_counter() - started
    admin = stack.first_admin_key()
    assert admin is not None
    headers = {"authorization": f"Bearer {admin.token}"}
    with httpx.Client(base_url=stack.url("gateway"), headers=headers, timeout=600.0) as api:
        index_course(api)
        indexed_s = time.perf_counter() - started
        first_chats: list[dict[str, Any]] = []
        while len(first_chats) < FIRST_CHAT_TRIES:
            first_chats.append(chat(api))
            if not first_chats[-1]["degraded"]:
                break
        answered_s = time.perf_counter() - started
        steady = chat(api)
        first_piece_s = cut_stream(api)
        after_cut = [chat(api), chat(api)]
    return {
        "up_s": round(up_s, 1),
        "indexed_s": round(indexed_s, 1),
        "first_chats": first_chats,
        "first_answered_after_start_s": round(answered_s, 1),
        "first_answered_after_indexed_s": round(answered_s - indexed_s, 1),
        "steady_chat": steady,
        "cut_stream_first_piece_s": first_piece_s,
        "chats_after_cut": after_cut,
        "chat_tokens": CHAT_TOKENS,
        "cut_tokens": CUT_TOKENS,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as scratch:
        data_dir = Path(os.environ.get("BENCH_DATA_DIR", scratch))
        stack = Stack(data_dir=data_dir, ports={name: free_port() for name in SERVICES})
        try:
            figures = measure(stack)
        finally:
            stack.stop_all()
    write_result("chat_latency", figures)


if __name__ == "__main__":
    main()
