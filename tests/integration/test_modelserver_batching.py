"""The model server process decodes concurrent requests together: a client that cuts its
stream leaves the batch at once, and the requests beside it answer as they would alone."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from tests.support.modelserver import engine_metrics, wait_until_idle

pytestmark = pytest.mark.slow

COUNTING = [{"role": "user", "content": "Count from 1 to 1000, one number per line."}]
QUESTIONS = ["Say hello to the class.", "Name three primary colours."]
STAYER_TOKENS = 40


def _answer(server: str, question: str) -> dict[str, Any]:
    body = {"messages": [{"role": "user", "content": question}], "max_tokens": STAYER_TOKENS}
    response = httpx.post(f"{server}/v1/chat/completions", json=body, timeout=300.0)
    response.raise_for_status()
    answer = response.json()
    return {"text": answer["choices"][0]["message"]["content"], "usage": answer["usage"]}


def _cut_stream_after_three_pieces(server: str) -> None:
    body = {"messages": COUNTING, "max_tokens": 1000, "stream": True}
    with (
        httpx.Client(base_url=server, timeout=120.0) as client,
        client.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        pieces = 0
        for line in response.iter_lines():
            pieces += '"content"' in line
            if pieces >= 3:
                return


def test_a_cut_stream_leaves_the_batch_and_the_requests_beside_it_answer_as_alone(
    modelserver_url: str,
) -> None:
    server = modelserver_url.removesuffix("/v1")
    wait_until_idle(server, timeout_s=300)
    alone = [_answer(server, q) for q in QUESTIONS]
    before = engine_metrics(server)
    together: list[dict[str, Any]] = [{} for _ in QUESTIONS]

    def ask(i: int) -> None:
        together[i] = _answer(server, QUESTIONS[i])

    stayers = [threading.Thread(target=ask, args=(i,)) for i in range(len(QUESTIONS))]
    leaver = threading.Thread(target=_cut_stream_after_three_pieces, args=(server,))
    for thread in [leaver, *stayers]:
        thread.start()
    for thread in [leaver, *stayers]:
        thread.join()
    after = wait_until_idle(server, timeout_s=60)
    assert together == alone
    assert after["modelserver_requests_cancelled_total"] == (
        before["modelserver_requests_cancelled_total"] + 1
    )
    generated = after["modelserver_generation_tokens_total"]
    stayer_tokens = sum(a["usage"]["completion_tokens"] for a in alone)
    assert generated - before["modelserver_generation_tokens_total"] < stayer_tokens + 200
