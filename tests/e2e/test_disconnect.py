"""A chat its client cuts off stops generating at once, through the gateway, the inference
service and the model server: the next chat is answered by the model, not degraded."""

from __future__ import annotations

import httpx
import pytest

from services.stack import Stack
from tests.e2e.conftest import courses_with_material
from tests.support.modelserver import engine_metrics, wait_until_idle

NOTES = (
    b"# Scheduling\n\nRound-robin scheduling gives each ready process a fixed time slice, "
    b"the quantum, in turn. A process that uses up its quantum goes to the back of the "
    b"ready queue. Shortest job first runs the shortest burst next.\n"
)
# Three hops, each of which may wait for one more token on a loaded CPU before it closes.
STOPS_WITHIN_S = 30.0


@pytest.fixture(scope="module")
def course(api: httpx.Client) -> str:
    taught, _ = courses_with_material(api, "sched", "sched-other", "scheduling.md", NOTES)
    return taught


def _ask(course: str, question: str, max_tokens: int, stream: bool) -> dict[str, object]:
    messages = [{"role": "user", "content": question}]
    return {"course_id": course, "messages": messages, "max_tokens": max_tokens, "stream": stream}


def test_a_cut_chat_stream_stops_its_generation_and_the_next_chat_is_answered(
    stack: Stack, api: httpx.Client, course: str
) -> None:
    server = stack.url("modelserver")
    before = wait_until_idle(server, timeout_s=300)
    long_answer = _ask(
        course, "Explain round-robin scheduling step by step, in great detail.", 2048, True
    )
    with api.stream("POST", "/chat", json=long_answer) as response:
        assert response.status_code == 200
        next(line for line in response.iter_lines() if line == "event: delta")
    # The client has gone after the first piece of the answer.
    stopped = wait_until_idle(server, STOPS_WITHIN_S)
    assert stopped["modelserver_requests_cancelled_total"] == (
        before["modelserver_requests_cancelled_total"] + 1
    )
    answered = api.post("/chat", json=_ask(course, "What is round-robin scheduling?", 8, False))
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["degraded"] is False and body["answer"], body
    assert (
        engine_metrics(server)["modelserver_requests_cancelled_total"]
        == (stopped["modelserver_requests_cancelled_total"])
    )
