"""Slide-shaped pages (a title line, then bullets) through the extractive generator and the
real quality gate: pages written here as text sections, and pages of a real deck read by the
PDF extractor."""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.bootstrap import open_embedder
from byosc.chunk import build_chunks, chunk_sections
from byosc.domain import Chunk, Document, Section, content_hash, document_id
from byosc.extract import extract_file
from byosc.instructions.extractive import ExtractiveGenerator
from byosc.instructions.gate import QualityGate
from byosc.instructions.models import InstructionPair
from byosc.instructions.settings import InstructionSettings
from byosc.settings import Settings

DECKS = Path(__file__).resolve().parents[3] / "examples" / "real-decks"
FOOTER = "CS 140 Operating Systems"
PAGES = [
    "Modal Views…\n• Suspend the application until the user \ndismisses them.\n"
    "• Are displayed in a separate dialog window.\n"
    "• Always make a copy of the model, interact \nwith the copy, then update the original.",
    "Scheduling Algorithms\n• First come, first served\n• Shortest job first\n• Round robin",
    "Processes vs Threads\n• A process has its own address space and open files\n"
    "• Threads of one process share its address space",
    "View Buttons\n• OK: Allows the user to close a view after editing the model\n"
    "• Cancel - Closes the view and discards every change made\n"
    "• A modal view is a dialog that suspends the application",
    "The MVC Approach\n• The MVC pattern defines a UI in terms of \nthree components:\n"
    "– Models\n– Views\n– Controllers",
]


def _chunks(sections: list[Section], name: str, media_type: str) -> list[Chunk]:
    digest = content_hash(name.encode())
    document = Document(
        id=document_id("os", digest),
        course_id="os",
        filename=name,
        title=name,
        content_hash=digest,
        media_type=media_type,
    )
    return build_chunks("os", document, chunk_sections(sections, 900, 150))


def _deck_chunks(pages: list[str]) -> list[Chunk]:
    sections = [Section(text=f"{text}\n{FOOTER}", page=n) for n, text in enumerate(pages, 1)]
    return _chunks(sections, "lecture.pdf", "application/pdf")


@pytest.fixture(scope="module")
def gate(byosc_home: Path) -> QualityGate:
    return QualityGate(open_embedder(Settings(home=byosc_home)), InstructionSettings())


def _kept(gate: QualityGate, chunks: list[Chunk]) -> dict[str, InstructionPair]:
    kept, rejected = gate.check(ExtractiveGenerator().generate(chunks).candidates)
    assert not rejected, rejected
    return {pair.question: pair for pair in kept}


def test_a_title_and_bullets_give_a_key_points_question_answered_by_the_bullets(
    gate: QualityGate,
) -> None:
    pair = _kept(gate, _deck_chunks(PAGES))["What are the key points about Modal Views?"]
    assert pair.task == "explain"
    assert pair.page == 1
    assert pair.answer == (
        "Suspend the application until the user dismisses them. Are displayed in a separate "
        "dialog window. Always make a copy of the model, interact with the copy, then update "
        "the original."
    )
    assert FOOTER not in pair.answer


def test_short_bullets_under_a_plural_title_give_a_list_question(gate: QualityGate) -> None:
    pair = _kept(gate, _deck_chunks(PAGES))["What are the Scheduling Algorithms?"]
    assert (pair.task, pair.page) == ("list", 2)
    assert pair.answer == "First come, first served; Shortest job first; Round robin."


def test_a_versus_title_gives_a_comparison_question(gate: QualityGate) -> None:
    pair = _kept(gate, _deck_chunks(PAGES))["How do Processes and Threads compare?"]
    assert pair.page == 3
    assert pair.answer.startswith("A process has its own address space and open files.")


def test_defining_bullets_give_definitions_in_the_slides_context(gate: QualityGate) -> None:
    kept = _kept(gate, _deck_chunks(PAGES))
    ok = kept['In "View Buttons", what is meant by "OK"?']
    assert ok.answer == "OK: Allows the user to close a view after editing the model."
    cancel = kept['In "View Buttons", what is meant by "Cancel"?']
    assert cancel.answer == "Cancel - Closes the view and discards every change made."
    modal = kept['In "View Buttons", what is a modal view?']
    assert modal.task == "definition"
    assert {ok.page, cancel.page, modal.page} == {4}


def test_sub_bullets_are_answered_under_the_bullet_they_belong_to(gate: QualityGate) -> None:
    pair = _kept(gate, _deck_chunks(PAGES))["What are the key points about The MVC Approach?"]
    assert pair.answer == (
        "The MVC pattern defines a UI in terms of three components: Models; Views; Controllers."
    )


def test_every_slide_with_content_gets_a_kept_pair_citing_its_page(gate: QualityGate) -> None:
    kept = _kept(gate, _deck_chunks(PAGES))
    assert {pair.page for pair in kept.values()} == set(range(1, len(PAGES) + 1))


def test_a_page_of_wrapped_prose_is_not_read_as_a_slide() -> None:
    prose = (
        "Paging\nPaging splits memory into fixed-size frames and a process into pages of the\n"
        "same size, so any free frame can hold any page.\n- not a bullet list of points"
    )
    long_page = Section(text=f"{prose}\n{'More prose about frames. ' * 60}", page=1)
    chunks = _chunks([long_page], "handout.pdf", "application/pdf")
    assert len(chunks) > 1  # a page cut in pieces is prose, whatever its lines look like
    generated = ExtractiveGenerator().generate(chunks).candidates
    assert all("key points" not in c.question for c in generated)


@pytest.fixture(scope="module")
def real_deck() -> list[Chunk]:
    name = "blockwise-watersheds-slides.pdf"
    extracted = extract_file((DECKS / name).read_bytes(), name)
    return _chunks(extracted.sections, name, extracted.media_type)


def test_a_real_beamer_page_gives_its_bullets_under_section_and_frame_title(
    gate: QualityGate, real_deck: list[Chunk]
) -> None:
    kept = _kept(gate, real_deck)
    question = (
        "What are the key points about Connected Components Labeling: Implementation - Map Stage?"
    )
    pair = kept[question]
    assert pair.page == 9
    assert pair.answer == (
        "Apply map function: Iterate over chunks with ChunkIterator; Use labelMultiArray to "
        "create a local labeling for each chunk; Save number of local labels assigned for each "
        "chunk."
    )
    assert all("Martin Bidlingmaier" not in p.answer for p in kept.values())  # the footer


def test_overlay_pages_of_a_real_deck_give_their_pairs_once(real_deck: list[Chunk]) -> None:
    generated = ExtractiveGenerator().generate(real_deck).candidates
    answers = [c.answer for c in generated]
    assert len(answers) == len(set(answers))
    assert {3, 7, 9, 10, 18} <= {c.chunk.page for c in generated}


def test_a_deck_slide_too_long_for_one_chunk_is_read_piece_by_piece_under_its_title(
    gate: QualityGate,
) -> None:
    terms = ["width", "height", "title", "resizable", "buttons", "kind", "handler", "icon"]
    bullets = [
        f"• {term}: A trait of the view that controls its {term} and is read once when the "
        f"window for the view is first created by the toolkit."
        for term in terms
    ]
    long_slide = "Controlling a View Window\n" + "\n".join(bullets)
    chunks = _deck_chunks([*PAGES, long_slide])
    assert sum(c.page == len(PAGES) + 1 for c in chunks) > 1
    kept = _kept(gate, chunks)
    asked = {q for q, p in kept.items() if p.page == len(PAGES) + 1 and p.task == "definition"}
    assert asked == {f'In "Controlling a View Window", what is meant by "{t}"?' for t in terms}


def test_every_bulleted_slide_of_the_sample_presentation_gets_a_kept_pair(
    gate: QualityGate,
) -> None:
    name = "05-file-systems.pptx"
    data = (DECKS.parent / "sample-course" / "material" / name).read_bytes()
    extracted = extract_file(data, name)
    chunks = _chunks(extracted.sections, name, extracted.media_type)
    pairs, _ = gate.check(ExtractiveGenerator().generate(chunks).candidates)
    kept = {pair.question: pair for pair in pairs}
    inodes = kept["What are the key points about Inodes: the Multi-Level Index?"]
    assert inodes.answer.startswith("A Unix inode holds 12 direct block pointers.")
    bulleted = {2, 4, 5, 6}  # 1 is the title slide, 3 a table
    assert bulleted <= {pair.page for pair in kept.values()}
