"""A misspelt question over a tiny course: the spelling correction, not the dense side,
is what puts the right section first (real MiniLM, real Edge index, SQLite catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.adapters import Adapters
from byosc.domain import Course
from byosc.ingest import index_document
from byosc.rag.course_spelling import CourseSpellers
from byosc.rag.retrieve import Retriever
from byosc.settings import Settings

pytestmark = pytest.mark.slow

# The two distractors share the question's other words ("how does ... work"), so BM25 on
# the misspelt question ranks them above the section it is about.
NOTES = """# Synchronisation

## Semaphores

A semaphore is an integer counter shared by processes. Its wait operation decrements it
and blocks at zero; its signal operation increments it and wakes a waiter.

## Mutex locks

How does a lock work? A mutex lock is acquired before a critical section and released
after it, so only one thread at a time runs the section.

## Condition variables

How does waiting work with a monitor? A condition variable lets a thread wait inside a
monitor until another thread signals that the condition it waits for holds.
"""
QUESTION = "how does a sempahore work"
SECTION = "Synchronisation > Semaphores"


@pytest.fixture(scope="module")
def course(
    tmp_path_factory: pytest.TempPathFactory, byosc_home: Path
) -> Iterator[tuple[Adapters, Settings]]:
    settings = Settings(home=byosc_home, data_dir=tmp_path_factory.mktemp("data"))
    with Adapters(settings) as adapters:
        adapters.catalog.create_course(Course(id="os", name="Operating systems"))
        index_document(adapters.pipeline, "os", "sync.md", NOTES.encode())
        yield adapters, settings


def first_heading(course: tuple[Adapters, Settings], **changes: object) -> str | None:
    adapters, settings = course
    speller = CourseSpellers(adapters.catalog, adapters.index)
    rag = settings.rag.model_copy(update=changes)
    found = Retriever(adapters.embedder, adapters.index, rag, None, speller).retrieve(
        "os", QUESTION, 3
    )
    return found.chunks[0].chunk.heading if found.chunks else None


def test_the_course_word_replaces_the_misspelt_one(course: tuple[Adapters, Settings]) -> None:
    adapters, _ = course
    speller = CourseSpellers(adapters.catalog, adapters.index)
    assert speller.correct("os", QUESTION) == "how does a semaphore work"


def test_the_default_retrieval_finds_the_section_of_a_misspelt_question(
    course: tuple[Adapters, Settings],
) -> None:
    assert first_heading(course) == SECTION


def test_without_the_correction_the_same_hybrid_search_misses_it(
    course: tuple[Adapters, Settings],
) -> None:
    assert first_heading(course, spelling="off") != SECTION


def test_bm25_alone_finds_it_only_once_corrected(course: tuple[Adapters, Settings]) -> None:
    assert first_heading(course, mode="sparse", spelling="lexical") == SECTION
    assert first_heading(course, mode="sparse", spelling="off") != SECTION


def test_a_new_document_is_in_the_vocabulary_at_the_next_question(
    course: tuple[Adapters, Settings],
) -> None:
    adapters, _ = course
    speller = CourseSpellers(adapters.catalog, adapters.index)
    assert speller.correct("os", "what is a spinlokc") == "what is a spinlokc"
    more = "# Spinning\n\n## Spinlocks\n\nA spinlock busy-waits until the lock is free.\n"
    index_document(adapters.pipeline, "os", "spin.md", more.encode())
    assert speller.correct("os", "what is a spinlokc") == "what is a spinlock"
