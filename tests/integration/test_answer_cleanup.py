"""What of a generated answer reaches the user, on every way out of the inference service:
no prompt markup, no loop, and citations whose relevance reads against the threshold.
Real embedder, real Edge index, the real inference app; the model is a script, because
these tests need it to write markup and loops on demand."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from byosc.domain import ChatMessage, ChatRequest, Course, Usage
from byosc.ingest import read_paths
from byosc.llm.breaker import BreakerChatModel
from byosc.ports import Completion
from byosc.rag.chat import Delta, Done, RagChat
from byosc.rag.prompt import MARKUP
from byosc.settings import LlmSettings, Settings
from cli.runtime import Runtime
from services.inference.app import create_app
from tests.support.modelserver import free_port

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
LECTURES = [MATERIAL / "01-processes-and-threads.md", MATERIAL / "02-cpu-scheduling.md"]
QUESTION = "What are the five states of a process?"
ANSWER = "New, ready, running, waiting and terminated [1]."
LEAKING = f'{ANSWER}\n</source>\n<source n="5" from="Lecture 9, page 2">\nA process is'
LOOPING = (
    f"{ANSWER} A process moves between the states as the scheduler runs it. It moves "
    "between the states as the scheduler runs it. It moves between the states as the"
)
LOOPING_KEPT = f"{ANSWER} A process moves between the states as the scheduler runs it."


class ScriptedModel:
    """Writes `text` in three-character pieces, whatever it is asked; records the stop
    strings it was given and how many pieces were read."""

    def __init__(self) -> None:
        self.text = ANSWER
        self.stops: list[tuple[str, ...]] = []
        self.pieces_read = 0

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion:
        self.stops.append(tuple(stop))
        return Completion(text=self.text, model=model or "script", usage=Usage())

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        self.stops.append(tuple(stop))
        for at in range(0, len(self.text), 3):
            self.pieces_read += 1
            yield self.text[at : at + 3]

    def models(self) -> list[str]:
        return ["script"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Settings:
    settings = Settings(
        home=byosc_home,
        data_dir=tmp_path_factory.mktemp("cleanup"),
        llm=LlmSettings(base_url=f"http://127.0.0.1:{free_port()}/v1"),  # nothing there
    )
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="os", name="Operating Systems"))
        rt.ingestor.ingest("os", read_paths(LECTURES))
    return settings


@pytest.fixture(scope="module")
def inference(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def script(inference: TestClient) -> ScriptedModel:
    chat: RagChat = inference.app.state.chat  # type: ignore[attr-defined]
    scripted = ScriptedModel()
    chat.model = BreakerChatModel(scripted, chat.breaker)
    return scripted


def _request(stream: bool = False) -> ChatRequest:
    message = ChatMessage(role="user", content=QUESTION)
    return ChatRequest(course_id="os", messages=[message], stream=stream, use_adapter=False)


def _events(inference: TestClient, path: str, body: dict[str, object]) -> list[str]:
    response = inference.post(path, json=body)
    assert response.status_code == 200, response.text
    return [
        line.removeprefix("data: ")
        for line in response.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


def test_the_prompts_source_tags_never_reach_a_chat_answer_streamed_or_not(
    inference: TestClient, script: ScriptedModel
) -> None:
    script.text = LEAKING
    whole = inference.post("/chat", json=_request().model_dump()).json()
    events = [json.loads(e) for e in _events(inference, "/chat", _request(True).model_dump())]
    streamed = "".join(e["text"] for e in events[:-1])
    assert whole["answer"] == ANSWER
    assert streamed.strip() == events[-1]["answer"] == ANSWER
    assert script.stops == [MARKUP, MARKUP]


def test_the_openai_compatible_stream_carries_no_source_tags(
    inference: TestClient, script: ScriptedModel
) -> None:
    script.text = LEAKING
    body = {"model": "os", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    chunks = [json.loads(e) for e in _events(inference, "/v1/chat/completions", body)]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text.strip() == ANSWER


def test_a_looping_answer_is_cut_and_its_generation_stopped(
    inference: TestClient, script: ScriptedModel
) -> None:
    script.text = LOOPING + " scheduler runs it." * 40
    chat: RagChat = inference.app.state.chat  # type: ignore[attr-defined]
    events = list(chat.stream(_request(True)))
    done = events[-1]
    assert isinstance(done, Done) and done.response.answer == LOOPING_KEPT
    assert "".join(e.text for e in events if isinstance(e, Delta)).strip() == LOOPING_KEPT
    assert script.pieces_read * 3 < len(LOOPING)


def test_citations_carry_the_relevance_the_threshold_is_compared_with(
    inference: TestClient, script: ScriptedModel, settings: Settings
) -> None:
    chat: RagChat = inference.app.state.chat  # type: ignore[attr-defined]
    covered = chat.answer(_request())
    relevances = [c.relevance for c in covered.citations]
    assert covered.covered and all(r is not None for r in relevances)
    assert max(r for r in relevances if r is not None) >= settings.rag.min_relevance
    assert [c.relevance for c in covered.citations] != [c.score for c in covered.citations]
    off_topic = ChatMessage(role="user", content="How do I bake sourdough bread?")
    missed = chat.answer(ChatRequest(course_id="os", messages=[off_topic], use_adapter=False))
    assert not missed.covered
    assert all((c.relevance or 0) < settings.rag.min_relevance for c in missed.citations)
