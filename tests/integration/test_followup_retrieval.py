"""Follow-up questions against the sample course: the rewritten query finds the topic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.domain import ChatMessage, Course, ScoredChunk
from byosc.llm.engine import LocalEngine
from byosc.llm.engine_chat import EngineChatModel
from byosc.rag.conversation import KeywordRewriter, LlmRewriter
from byosc.settings import Settings
from cli.runtime import Runtime

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).parents[2] / "examples" / "sample-course" / "material"
FILES = ["01-processes-and-threads.md", "02-cpu-scheduling.md", "03-memory-management.pdf"]
FOLLOW_UP = "and what are its disadvantages?"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Iterator[Runtime]:
    settings = Settings(home=byosc_home, data_dir=tmp_path_factory.mktemp("data"))
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="os", name="Operating systems"))
        report = rt.ingestor.ingest(
            "os", [(name, (MATERIAL / name).read_bytes()) for name in FILES]
        )
        assert not report.errors
        yield rt


def conversation(question: str) -> list[ChatMessage]:
    return [
        ChatMessage(role="user", content=question),
        ChatMessage(role="assistant", content="It is one of the scheduling algorithms [1]."),
        ChatMessage(role="user", content=FOLLOW_UP),
    ]


def headings(hits: list[ScoredChunk]) -> list[str]:
    return [hit.chunk.heading or "" for hit in hits]


# Each section names the algorithm's drawback: small quanta cost context switches,
# low priorities starve.
@pytest.mark.parametrize(
    ("question", "section", "drawback"),
    [
        ("What is round-robin scheduling?", "Round Robin (RR)", "context-switch overhead"),
        ("What is priority scheduling?", "Priority Scheduling", "starvation"),
    ],
)
def test_the_rewritten_follow_up_finds_the_topic_the_last_turn_alone_misses(
    runtime: Runtime, question: str, section: str, drawback: str
) -> None:
    query = KeywordRewriter().rewrite(conversation(question))
    assert query != FOLLOW_UP

    rewritten = runtime.chat.search("os", query, 3)
    assert any(heading.endswith(section) for heading in headings(rewritten))
    assert any(drawback in hit.chunk.text for hit in rewritten)

    alone = runtime.chat.search("os", FOLLOW_UP, 3)
    assert not any(heading.endswith(section) for heading in headings(alone))


def test_the_model_rewriter_on_the_local_engine_gives_one_usable_line(llm_dir: Path) -> None:
    engine = LocalEngine(llm_dir)
    try:
        rewriter = LlmRewriter(EngineChatModel(engine), engine.base_name, KeywordRewriter())
        query = rewriter.rewrite(conversation("What is round-robin scheduling?"))
    finally:
        engine.close()
    assert query.strip() and "\n" not in query
