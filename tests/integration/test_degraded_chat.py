"""Degraded, not down: with the model server stopped, crashed or too slow, /chat still
answers, quickly, with the best passages cited; once the server is back, answers are
generated again. A real model server process, the real inference app over an ingested
course."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from byosc.domain import ChatMessage, ChatRequest, Course
from byosc.ingest import read_paths
from byosc.llm.openai_chat import OpenAIChatModel
from byosc.rag.chat import MODEL_CUT_OFF, MODEL_UNAVAILABLE, Delta, Done, RagChat
from byosc.settings import BASE_MODEL_NAME, LlmSettings, RagSettings, Settings
from cli.runtime import Runtime
from services.inference.app import create_app
from services.stack import DEFAULT_PORTS, Stack
from tests.support.modelserver import free_port

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
LECTURES = [MATERIAL / "01-processes-and-threads.md", MATERIAL / "02-cpu-scheduling.md"]
QUESTION = "What is round-robin scheduling?"
# Asks for a long answer: the model server must still be generating when it is killed.
LONG_QUESTION = (
    "Explain round-robin scheduling step by step: the ready queue, the time quantum, what "
    "happens when the quantum expires, and how the quantum's length changes response time."
)
# Generous, for a loaded CPU; a degraded answer must come far sooner than this.
MODEL_TIMEOUT_S = 120.0
QUICK_S = 10.0
OPEN_S = 3.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("modelserver")
    stack = Stack(data_dir=data_dir, ports={**DEFAULT_PORTS, "modelserver": free_port()})
    stack.start("modelserver")
    yield stack
    stack.stop_all()


@pytest.fixture(scope="module")
def inference(
    stack: Stack, byosc_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = Settings(
        home=byosc_home,
        data_dir=tmp_path_factory.mktemp("degraded"),
        llm=LlmSettings(base_url=f"{stack.url('modelserver')}/v1"),
        rag=RagSettings(model_timeout_s=MODEL_TIMEOUT_S, breaker_failures=3, breaker_open_s=OPEN_S),
    )
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="os", name="Operating Systems"))
        rt.ingestor.ingest("os", read_paths(LECTURES))
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def server_up(stack: Stack, inference: TestClient) -> Stack:
    """The server running and the chat answering with it, whatever the last test left."""
    if "modelserver" not in stack.processes:
        stack.start("modelserver")
    _wait_for_a_generated_answer(inference)
    return stack


def _ask(stream: bool = False, max_tokens: int = 4) -> dict[str, object]:
    messages = [{"role": "user", "content": QUESTION}]
    return {"course_id": "os", "messages": messages, "stream": stream, "max_tokens": max_tokens}


def _chat(inference: TestClient) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    response = inference.post("/chat", json=_ask())
    assert response.status_code == 200, response.text
    return response.json(), time.monotonic() - started


def _streamed_events(inference: TestClient) -> list[tuple[str, dict[str, object]]]:
    response = inference.post("/chat", json=_ask(stream=True))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.strip().split("\n\n"):
        kind, data = block.split("\n", 1)
        events.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def _wait_for_a_generated_answer(inference: TestClient, within_s: float = 180.0) -> float:
    """Seconds until a chat is answered by the model again."""
    started = time.monotonic()
    while True:
        body, _ = _chat(inference)
        if not body["degraded"]:
            return time.monotonic() - started
        assert time.monotonic() - started < within_s, "the chat never left the degraded answer"
        time.sleep(0.5)


def _chat_of(inference: TestClient) -> RagChat:
    chat = inference.app.state.chat  # type: ignore[attr-defined]
    assert isinstance(chat, RagChat)
    return chat


def test_a_chat_answers_with_cited_passages_while_the_model_server_is_down(
    server_up: Stack, inference: TestClient
) -> None:
    server_up.stop("modelserver")
    chat = _chat_of(inference)
    for _ in range(3):
        body, elapsed = _chat(inference)
        assert body["degraded"] is True and body["model"] == "none"
        assert body["answer"] == MODEL_UNAVAILABLE
        citations = body["citations"]
        assert isinstance(citations, list) and citations
        assert any("Round Robin" in (c["heading"] or "") for c in citations)
        assert elapsed < QUICK_S
    assert chat.model_circuit() == "open"

    events = _streamed_events(inference)
    assert [kind for kind, _ in events] == ["done"]
    done = events[0][1]
    assert done["degraded"] is True and done["citations"]

    # Readiness still reports the server itself, not the breaker; the service stays ready
    # (degraded), so an orchestrator keeps sending it the chats it can still answer.
    ready = inference.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["model_server"].startswith("error")


def test_a_chat_is_generated_again_once_the_server_is_back_and_the_open_period_is_over(
    server_up: Stack, inference: TestClient
) -> None:
    server_up.stop("modelserver")
    for _ in range(3):
        assert _chat(inference)[0]["degraded"] is True
    assert _chat_of(inference).model_circuit() == "open"
    server_up.start("modelserver")
    _wait_for_a_generated_answer(inference, within_s=OPEN_S + MODEL_TIMEOUT_S)
    body, _ = _chat(inference)
    assert body["degraded"] is False and body["model"] == BASE_MODEL_NAME
    assert body["answer"] and body["citations"]
    assert _chat_of(inference).model_circuit() == "closed"
    assert inference.get("/readyz").json()["checks"]["model_server"] == "ok"


def test_a_stream_cut_by_a_crash_ends_with_the_passages_and_without_the_partial_text(
    server_up: Stack, inference: TestClient
) -> None:
    chat = _chat_of(inference)
    request = ChatRequest(
        course_id="os", messages=[ChatMessage(role="user", content=LONG_QUESTION)], max_tokens=96
    )
    events = chat.stream(request)
    first = next(events)
    assert isinstance(first, Delta)
    server_up.kill("modelserver")
    rest = list(events)
    done = rest[-1]
    assert isinstance(done, Done)
    assert all(isinstance(item, Delta) for item in rest[:-1])
    assert done.response.degraded and done.response.answer == MODEL_CUT_OFF
    assert done.response.citations


def test_a_model_server_slower_than_the_chat_timeout_gives_the_degraded_answer_in_time(
    server_up: Stack, inference: TestClient
) -> None:
    served = _chat_of(inference)
    impatient = OpenAIChatModel(
        LlmSettings(base_url=f"{server_up.url('modelserver')}/v1", timeout_s=0.3), max_retries=0
    )
    chat = RagChat(
        served.catalog, served.embedder, served.index, impatient, served.rag, served.base_model
    )
    request = ChatRequest(
        course_id="os", messages=[ChatMessage(role="user", content=QUESTION)], max_tokens=64
    )
    try:
        started = time.monotonic()
        response = chat.answer(request)
        elapsed = time.monotonic() - started
    finally:
        impatient.close()
    assert response.degraded and response.answer == MODEL_UNAVAILABLE
    assert response.citations
    assert elapsed < QUICK_S
