"""Hand-built chunks of a small course, a retrieve function over them, the real embedder and
a quiz maker storing its quizzes in a real SQLite catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.bootstrap import open_embedder
from byosc.catalog.sql import SqlCatalog
from byosc.domain import Chunk, Course, Document, ScoredChunk
from byosc.errors import NotFound
from byosc.ports import Embedder
from byosc.quiz.generate import QuizMaker
from byosc.quiz.store import SqlQuizStore
from byosc.settings import Settings
from byosc.text import content_words

SCHEDULING = [
    "A CPU burst refers to a period in which a process executes instructions without blocking.",
    "The dispatcher is the component that hands the CPU to the selected process.",
    """The criteria used to compare scheduling algorithms are:

- **CPU utilization**: the percentage of time the CPU is busy.
- **Throughput**: the number of processes completed per unit of time.
- **Turnaround time**: completion time minus arrival time.""",
    "The convoy effect refers to many short processes waiting behind one long CPU-bound process.",
]
MEMORY = [
    "A page table is the per-process table that maps each page number to a frame number.",
    "Thrashing refers to a state in which a system spends more time paging than executing.",
    "A page fault is the trap that occurs when a process references a page not in memory.",
]


def _chunks(document_id: str, title: str, texts: list[str]) -> list[Chunk]:
    return [
        Chunk(
            id=f"{document_id}-{i}",
            course_id="os",
            document_id=document_id,
            index=i,
            text=text,
            title=title,
            filename=f"{document_id}.md",
            heading=title,
        )
        for i, text in enumerate(texts)
    ]


CHUNKS = _chunks("sched", "CPU Scheduling", SCHEDULING) + _chunks("mem", "Memory", MEMORY)


def retrieve(course_id: str, query: str, limit: int) -> list[ScoredChunk]:
    """Word-overlap search over CHUNKS; ties keep the chunks' order."""
    if course_id != "os":
        raise NotFound(f"course {course_id} does not exist")
    wanted = set(content_words(query))
    scored = [(len(wanted & set(content_words(c.text + " " + c.title))), c) for c in CHUNKS]
    ranked = sorted(scored, key=lambda pair: -pair[0])
    return [ScoredChunk(chunk=c, score=s / max(1, len(wanted))) for s, c in ranked][:limit]


@pytest.fixture
def catalog(tmp_path: Path) -> SqlCatalog:
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalog.create_course(Course(id="os", name="Operating systems"))
    for doc_id, title in (("sched", "CPU Scheduling"), ("mem", "Memory")):
        catalog.put_document(
            Document(
                id=doc_id,
                course_id="os",
                filename=f"{doc_id}.md",
                title=title,
                content_hash=doc_id,
                media_type="text/markdown",
            )
        )
    return catalog


@pytest.fixture(scope="session")
def embedder(byosc_home: Path) -> Embedder:
    return open_embedder(Settings(home=byosc_home))


@pytest.fixture
def quizzes(catalog: SqlCatalog) -> SqlQuizStore:
    return SqlQuizStore(catalog.engine)


@pytest.fixture
def maker(catalog: SqlCatalog, embedder: Embedder, quizzes: SqlQuizStore) -> QuizMaker:
    return QuizMaker(catalog, embedder, retrieve, quizzes)
