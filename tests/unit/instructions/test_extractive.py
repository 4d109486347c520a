"""The extractive generator on the sample course's Markdown lectures and PDF handout, through
the real quality gate and embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.bootstrap import open_embedder
from byosc.chunk import build_chunks, chunk_sections
from byosc.domain import Chunk, Document, content_hash, document_id
from byosc.extract import extract_file
from byosc.instructions.extractive import ExtractiveGenerator
from byosc.instructions.gate import QualityGate
from byosc.instructions.models import InstructionPair
from byosc.instructions.settings import InstructionSettings
from byosc.settings import Settings
from byosc.text import content_words

MATERIAL = Path(__file__).resolve().parents[3] / "examples" / "sample-course" / "material"
PAGE_CHARS = 3000
PAIRS_PER_PAGE = 3


def _chunks(name: str) -> tuple[list[Chunk], int]:
    data = (MATERIAL / name).read_bytes()
    extracted = extract_file(data, name)
    digest = content_hash(data)
    document = Document(
        id=document_id("os", digest),
        course_id="os",
        filename=name,
        title=extracted.title,
        content_hash=digest,
        media_type=extracted.media_type,
    )
    pieces = chunk_sections(extracted.sections, size_chars=900, overlap_chars=150)
    return build_chunks("os", document, pieces), sum(len(s.text) for s in extracted.sections)


@pytest.fixture(scope="module")
def gate(byosc_home: Path) -> QualityGate:
    return QualityGate(open_embedder(Settings(home=byosc_home)), InstructionSettings())


def _kept(gate: QualityGate, chunks: list[Chunk]) -> list[InstructionPair]:
    generated = ExtractiveGenerator().generate(chunks)
    kept, rejected = gate.check(generated.candidates)
    assert len(kept) + len(rejected) == len(generated.candidates)
    return kept


@pytest.mark.parametrize("name", ["01-processes-and-threads.md", "02-cpu-scheduling.md"])
def test_markdown_lectures_give_three_kept_pairs_a_page(gate: QualityGate, name: str) -> None:
    chunks, chars = _chunks(name)
    kept = _kept(gate, chunks)
    assert len(kept) >= PAIRS_PER_PAGE * chars / PAGE_CHARS


def test_the_pdf_handout_gives_three_kept_pairs_for_each_of_its_pages(gate: QualityGate) -> None:
    chunks, _ = _chunks("03-memory-management.pdf")
    pages = {c.page for c in chunks}
    kept = _kept(gate, chunks)
    assert len(pages) == 5
    assert len(kept) >= PAIRS_PER_PAGE * len(pages)
    assert {p.page for p in kept} == pages


def test_every_kept_answer_is_made_of_its_own_chunk_words(gate: QualityGate) -> None:
    chunks, _ = _chunks("01-processes-and-threads.md")
    by_id = {c.id: c for c in chunks}
    for pair in _kept(gate, chunks):
        source = set(content_words(by_id[pair.chunk_id].text))
        assert set(content_words(pair.answer)) <= source, pair


def test_pairs_cover_definitions_lists_captions_and_questions_read_naturally(
    gate: QualityGate,
) -> None:
    chunks, _ = _chunks("01-processes-and-threads.md")
    kept = {p.question: p for p in _kept(gate, chunks)}
    assert kept["What is a process?"].answer.startswith("A process is a program in execution")
    assert kept["What are the five states of a process?"].task == "list"
    assert kept["What are the five states of a process?"].answer.endswith(
        "New; Ready; Running; Waiting; Terminated."
    )
    caption = 'What does Figure 1.2 in "Lecture 1: Processes and Threads" show?'
    assert kept[caption].task == "caption"


def test_a_fact_repeated_by_overlapping_chunks_is_asked_once(gate: QualityGate) -> None:
    chunks, _ = _chunks("03-memory-management.pdf")
    questions = [c.question for c in ExtractiveGenerator().generate(chunks).candidates]
    assert len(questions) == len(set(questions))
    assert questions.count("What is TLB reach?") == 1


def test_slide_headings_with_bullets_become_key_point_questions(gate: QualityGate) -> None:
    chunks, _ = _chunks("05-file-systems.pptx")
    explained = [p for p in _kept(gate, chunks) if p.task == "explain"]
    assert "What are the key points about Directories and Links?" in {p.question for p in explained}
    assert all(p.page is not None for p in explained)


def test_timed_chunks_give_recording_questions_with_their_span() -> None:
    chunk = Chunk(
        id="c1",
        course_id="os",
        document_id="rec",
        index=0,
        text="Today we look at deadlocks. A deadlock is a set of processes in which every "
        "process waits for a resource that is held by another process in the set.",
        title="Deadlocks",
        filename="deadlocks.mp3",
        start_s=65.0,
        end_s=124.0,
    )
    [candidate] = ExtractiveGenerator().generate([chunk]).candidates
    assert candidate.task == "recording"
    assert candidate.question == (
        'What does the lecture "Deadlocks" say about a deadlock between 01:05 and 02:04?'
    )
    assert candidate.answer.startswith("A deadlock is a set of processes")
