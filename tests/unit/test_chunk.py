from __future__ import annotations

from itertools import pairwise

import pytest

from byosc.chunk import (
    build_chunks,
    chunk_context,
    chunk_sections,
    context_text,
    page_titles,
    split_text,
)
from byosc.domain import Document, Section, chunk_id, content_hash, document_id

SENTENCES = " ".join(f"Sentence {i} explains one more idea." for i in range(60))


def document(course_id: str = "cs1", data: bytes = b"notes") -> Document:
    digest = content_hash(data)
    return Document(
        id=document_id(course_id, digest),
        course_id=course_id,
        filename="notes.md",
        title="Notes",
        content_hash=digest,
        media_type="text/markdown",
    )


def test_a_short_section_stays_one_piece() -> None:
    pieces = chunk_sections([Section(text="  Short text.  ", page=2)], 200, 50)
    assert pieces == [Section(text="Short text.", page=2)]


def test_no_piece_is_longer_than_the_size() -> None:
    pieces = split_text(SENTENCES, 200, 50)
    assert len(pieces) > 5
    assert all(len(p) <= 200 for p in pieces)


def test_long_text_is_cut_at_sentence_ends_and_neighbours_overlap() -> None:
    pieces = split_text(SENTENCES, 200, 50)
    for previous, current in pairwise(pieces):
        assert previous.endswith(".")
        assert current.startswith("Sentence")
        first_sentence = current.split(". ")[0] + "."
        assert previous.endswith(first_sentence)


def test_without_overlap_the_pieces_rebuild_the_text() -> None:
    assert " ".join(split_text(SENTENCES, 200, 0)) == SENTENCES


def test_a_paragraph_break_is_preferred_to_a_sentence_end() -> None:
    first = "Paging splits memory into pages. " * 4
    second = "Segmentation uses variable sizes. " * 4
    pieces = split_text(f"{first.strip()}\n\n{second.strip()}", 200, 0)
    assert pieces == [first.strip(), second.strip()]


def test_text_without_sentence_ends_is_cut_between_words() -> None:
    words = " ".join(f"word{i}" for i in range(100))
    pieces = split_text(words, 100, 20)
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in pieces)
    assert {w for p in pieces for w in p.split()} == set(words.split())


def test_a_word_longer_than_the_size_is_cut_anywhere_with_overlap() -> None:
    pieces = split_text("x" * 250, 100, 20)
    assert [len(p) for p in pieces] == [100, 100, 90]


def test_pieces_keep_their_sections_location_and_never_mix_sections() -> None:
    sections = [
        Section(text=SENTENCES, page=1),
        Section(text="A short second page.", page=2),
        Section(text=SENTENCES, heading="Scheduling > Round robin"),
    ]
    pieces = chunk_sections(sections, 300, 60)
    assert {p.page for p in pieces} == {1, 2, None}
    assert [p.text for p in pieces if p.page == 2] == ["A short second page."]
    assert all(p.heading == "Scheduling > Round robin" for p in pieces if p.page is None)
    assert not any("second page" in p.text for p in pieces if p.page != 2)


def test_short_time_stamped_segments_merge_into_one_span() -> None:
    segments = [
        Section(text="Welcome back.", start_s=0.0, end_s=2.5),
        Section(text="Today: deadlocks.", start_s=2.5, end_s=5.0),
        Section(text="Four conditions hold.", start_s=5.0, end_s=9.0),
    ]
    [piece] = chunk_sections(segments, 200, 20)
    assert piece.text == "Welcome back. Today: deadlocks. Four conditions hold."
    assert (piece.start_s, piece.end_s) == (0.0, 9.0)


def test_segments_merge_only_up_to_the_size_and_never_across_headings() -> None:
    segments = [
        Section(text="a" * 60, start_s=0.0, end_s=1.0, heading="Intro"),
        Section(text="b" * 60, start_s=1.0, end_s=2.0, heading="Intro"),
        Section(text="c" * 60, start_s=2.0, end_s=3.0, heading="Intro"),
        Section(text="d" * 10, start_s=3.0, end_s=4.0, heading="Deadlock"),
    ]
    pieces = chunk_sections(segments, 130, 20)
    assert [(p.start_s, p.end_s, p.heading) for p in pieces] == [
        (0.0, 2.0, "Intro"),
        (2.0, 3.0, "Intro"),
        (3.0, 4.0, "Deadlock"),
    ]


def test_a_long_segment_is_split_and_every_piece_keeps_its_time_span() -> None:
    pieces = chunk_sections([Section(text=SENTENCES, start_s=60.0, end_s=180.0)], 200, 40)
    assert len(pieces) > 1
    assert {(p.start_s, p.end_s) for p in pieces} == {(60.0, 180.0)}


def test_blank_sections_give_no_pieces() -> None:
    assert chunk_sections([Section(text=" \n "), Section(text="")], 200, 20) == []


def test_an_overlap_not_smaller_than_the_size_is_refused() -> None:
    with pytest.raises(ValueError):
        chunk_sections([Section(text="text")], 100, 100)


def test_chunks_get_ids_from_course_content_and_position() -> None:
    doc = document()
    pieces = [Section(text="one", page=1), Section(text="two", page=2)]
    chunks = build_chunks("cs1", doc, pieces)
    assert [c.id for c in chunks] == [chunk_id("cs1", doc.content_hash, i) for i in (0, 1)]
    assert [c.id for c in build_chunks("cs1", doc, pieces)] == [c.id for c in chunks]
    other = build_chunks("cs2", document("cs2"), pieces)
    assert {c.id for c in other}.isdisjoint(c.id for c in chunks)


def test_chunks_carry_the_document_and_the_piece_location() -> None:
    doc = document()
    [chunk] = build_chunks("cs1", doc, [Section(text="t", heading="A > B", start_s=1.0, end_s=2.0)])
    assert (chunk.document_id, chunk.title, chunk.filename) == (doc.id, "Notes", "notes.md")
    assert (chunk.heading, chunk.start_s, chunk.end_s, chunk.index) == ("A > B", 1.0, 2.0, 0)


def test_empty_pieces_are_dropped_and_indexes_stay_contiguous() -> None:
    pieces = [Section(text="one"), Section(text="  "), Section(text="three")]
    chunks = build_chunks("cs1", document(), pieces)
    assert [(c.index, c.text) for c in chunks] == [(0, "one"), (1, "three")]


def test_every_piece_of_a_section_carries_the_document_and_section_titles() -> None:
    pieces = chunk_sections([Section(text=SENTENCES, heading="Scheduling > Round robin")], 200, 0)
    chunks = build_chunks("cs1", document(), pieces)
    assert len(chunks) > 2
    assert {c.context for c in chunks} == {"Notes > Scheduling > Round robin"}
    assert all("Round robin" not in c.text for c in chunks)
    assert context_text(chunks[-1]).startswith("Notes > Scheduling > Round robin\n")


def test_a_page_without_heading_takes_its_first_line_as_title_for_all_its_pieces() -> None:
    slide = Section(text="Paging Basics\n" + SENTENCES, page=4)
    prose = Section(text="This page opens with a sentence. " + SENTENCES, page=5)
    titles = page_titles([slide, prose])
    assert titles == {4: "Paging Basics"}
    chunks = build_chunks("cs1", document(), chunk_sections([slide, prose], 200, 0), titles)
    assert {c.context for c in chunks if c.page == 4} == {"Notes > Paging Basics"}
    assert {c.context for c in chunks if c.page == 5} == {"Notes"}


def test_the_context_does_not_repeat_a_section_title_that_starts_with_the_document_title() -> None:
    assert chunk_context("Lecture 1", "Lecture 1 > Threads") == "Lecture 1 > Threads"
    assert chunk_context("Lecture 1", None) == "Lecture 1"
    assert chunk_context("", "Threads") == "Threads"
