"""The answer floor in the chat, streamed and not: a degenerate or unmarked answer from the
model is replaced by the extractive one, cited by its markers; the extractive mode asks no
model. Real embedder and Edge index over two sample lectures; the model is a script (the
answer-cleanup tests' one), so it writes garbage on demand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.bootstrap import open_rag_chat
from byosc.domain import ChatMessage, ChatRequest, Course
from byosc.ingest import read_paths
from byosc.rag.chat import Delta, Done, RagChat
from byosc.rag.degenerate import degeneracy
from byosc.rag.extractive import EXTRACTIVE
from byosc.rag.sentences import markers
from byosc.settings import Settings
from cli.runtime import Runtime
from tests.integration.test_answer_cleanup import ScriptedModel

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
LECTURES = [MATERIAL / "01-processes-and-threads.md", MATERIAL / "02-cpu-scheduling.md"]
QUESTION = "What is the convoy effect?"
GARBAGE = "The correct answer is: The correct answer is:"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Iterator[Runtime]:
    settings = Settings(home=byosc_home, data_dir=tmp_path_factory.mktemp("floor"))
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="os", name="Operating Systems"))
        rt.ingestor.ingest("os", read_paths(LECTURES))
        yield rt


def _garbage() -> ScriptedModel:
    script = ScriptedModel()
    script.text = GARBAGE
    return script


def _chat(rt: Runtime, model: ScriptedModel, mode: str = "generated") -> RagChat:
    rag = rt.settings.rag.model_copy(update={"answer_mode": mode})
    settings = rt.settings.model_copy(update={"rag": rag})
    return open_rag_chat(settings, rt.catalog, rt.embedder, rt.index, model)


def _request(question: str = QUESTION) -> ChatRequest:
    message = ChatMessage(role="user", content=question)
    return ChatRequest(course_id="os", messages=[message], use_adapter=False)


def _streamed(chat: RagChat) -> tuple[str, Done]:
    events = list(chat.stream(_request()))
    done = events[-1]
    assert isinstance(done, Done)
    return "".join(e.text for e in events if isinstance(e, Delta)), done


def test_a_degenerate_answer_is_replaced_by_the_passages_sentences_with_markers(
    runtime: Runtime,
) -> None:
    chat = _chat(runtime, _garbage())
    response = chat.answer(_request())
    assert "correct answer" not in response.answer
    assert "convoy effect" in response.answer.lower()
    assert degeneracy(response.answer, QUESTION) is None
    assert [c.n for c in response.citations] == markers(response.answer)
    assert chat.extractive_fallbacks == 1


def test_a_stream_shows_none_of_a_degenerate_answer_and_ends_with_the_extractive_one(
    runtime: Runtime,
) -> None:
    streamed, done = _streamed(_chat(runtime, _garbage()))
    assert "correct answer" not in streamed
    assert streamed == done.response.answer
    assert markers(done.response.answer)


def test_an_unmarked_answer_gets_the_marker_of_the_passage_that_backs_it(
    runtime: Runtime,
) -> None:
    script = ScriptedModel()
    script.text = (
        "The convoy effect refers to many short processes waiting behind one long process."
    )
    response = _chat(runtime, script).answer(_request())
    assert response.answer.startswith(script.text)
    assert len(markers(response.answer)) == 1
    assert "FCFS" in (response.citations[0].heading or "") + response.citations[0].snippet


def test_an_unmarked_answer_no_passage_backs_is_followed_by_the_passages_sentences(
    runtime: Runtime,
) -> None:
    script = ScriptedModel()
    script.text = "Bananas are yellow fruit that monkeys enjoy eating every single day."
    chat = _chat(runtime, script)
    streamed, done = _streamed(chat)
    assert done.response.answer.startswith(script.text)
    assert "From the course material:" in done.response.answer
    assert markers(done.response.answer) and streamed.strip() == done.response.answer
    assert chat.extractive_fallbacks == 1


def test_only_the_passages_a_generated_answer_marks_are_cited(runtime: Runtime) -> None:
    script = ScriptedModel()
    script.text = "Many short processes wait behind one long CPU-bound process [2]."
    response = _chat(runtime, script).answer(_request())
    assert response.answer == script.text
    assert [c.n for c in response.citations] == [2]


def test_an_answer_that_goes_wrong_midway_keeps_its_good_start_streamed_or_not(
    runtime: Runtime,
) -> None:
    script = ScriptedModel()
    good = "Short processes wait behind one long CPU-bound process [1]."
    script.text = f"{good} The correct answer is:"
    chat = _chat(runtime, script)
    assert chat.answer(_request()).answer == good
    streamed, done = _streamed(chat)
    assert streamed.strip() == done.response.answer == good


def test_the_extractive_mode_asks_no_model(runtime: Runtime) -> None:
    script = ScriptedModel()
    chat = _chat(runtime, script, mode="extractive")
    response = chat.answer(_request())
    streamed, done = _streamed(chat)
    assert script.stops == []  # never called
    assert response.model == EXTRACTIVE and markers(response.answer)
    assert streamed == done.response.answer == response.answer
