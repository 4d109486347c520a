"""The chat flow records the questions the material does not cover, and an answer goes out
even when recording fails. Real embedder, Edge index and SQLite catalog; answers in the
extractive mode, so no model is needed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from byosc.bootstrap import open_rag_chat
from byosc.domain import ChatMessage, ChatRequest, Course
from byosc.feedback.store import SqlFeedbackStore
from byosc.ingest import read_paths
from byosc.rag.chat import NOT_COVERED, RagChat
from byosc.settings import RagSettings, Settings
from cli.runtime import Runtime

pytestmark = pytest.mark.slow

LECTURE = (
    Path(__file__).resolve().parents[2] / "examples/sample-course/material/02-cpu-scheduling.md"
)
OFF_TOPIC = "How do I bake sourdough bread?"


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Iterator[Runtime]:
    settings = Settings(
        home=byosc_home,
        data_dir=tmp_path_factory.mktemp("uncovered"),
        rag=RagSettings(answer_mode="extractive"),
    )
    with Runtime(settings) as runtime:
        runtime.catalog.create_course(Course(id="os", name="Operating Systems"))
        runtime.ingestor.ingest("os", read_paths([LECTURE]))
        yield runtime


def _chat(rt: Runtime, record: Callable[[str, str], object]) -> RagChat:
    return open_rag_chat(
        rt.settings, rt.catalog, rt.embedder, rt.index, rt.model, record_uncovered=record
    )


def _ask(chat: RagChat, *questions: str) -> ChatRequest:
    messages = [ChatMessage(role="user", content=q) for q in questions]
    return ChatRequest(course_id="os", messages=messages)


def test_a_not_covered_answer_records_its_question_and_a_covered_one_does_not(
    rt: Runtime,
) -> None:
    store = SqlFeedbackStore(rt.catalog.engine)
    chat = _chat(rt, store.record_uncovered)
    assert chat.answer(_ask(chat, "What is round-robin scheduling?")).covered
    answered = chat.answer(_ask(chat, OFF_TOPIC))
    assert not answered.covered
    streamed = list(chat.stream(_ask(chat, "What is the capital of France?")))
    assert not streamed[-1].response.covered  # type: ignore[union-attr]
    recorded = store.open_questions("os", limit=10)
    assert [(q.question, q.source) for q in recorded] == [
        ("What is the capital of France?", "uncovered"),
        (OFF_TOPIC, "uncovered"),
    ]
    store.resolve("os", [q.id for q in recorded])


def test_a_recording_that_fails_is_logged_and_the_answer_still_goes_out(
    rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(course_id: str, question: str) -> None:
        raise RuntimeError("the metadata DB is gone")

    chat = _chat(rt, broken)
    with caplog.at_level(logging.ERROR, logger="byosc.rag.chat"):
        answered = chat.answer(_ask(chat, OFF_TOPIC))
    assert answered.answer == NOT_COVERED and not answered.covered and answered.citations
    assert "could not record a question not covered" in caplog.text
    assert "the metadata DB is gone" in caplog.text
