"""Every citation links to its document's file at the cited place: page or slide, seconds
of a recording, or heading."""

from __future__ import annotations

from typing import Any

from byosc.domain import Chunk, ScoredChunk
from byosc.rag.citations import cite_all

FILE = "/courses/cs140/documents/d1/file"


def _url(**where: Any) -> str | None:
    chunk = Chunk(
        id="c1",
        course_id="cs140",
        document_id="d1",
        index=0,
        text="The TLB caches page table entries.",
        title="Memory",
        filename="memory.pdf",
        **where,
    )
    [citation] = cite_all([ScoredChunk(chunk=chunk, score=0.5)], 80)
    return citation.url


def test_a_pdf_page_or_slide_is_cited_by_page_number() -> None:
    assert _url(page=4, heading="Translation") == f"{FILE}#page=4"


def test_a_recording_is_cited_by_its_span_in_tenths_of_a_second_widened_to_hold_it() -> None:
    assert _url(start_s=12.34, end_s=20.01) == f"{FILE}#t=12.3,20.1"
    assert _url(start_s=0.0, end_s=5.0) == f"{FILE}#t=0,5"
    assert _url(start_s=0.3, end_s=0.3) == f"{FILE}#t=0.3,0.3"
    assert _url(start_s=61.5) == f"{FILE}#t=61.5"


def test_a_heading_alone_is_cited_percent_encoded() -> None:
    assert _url(heading="Pages & frames/TLB: ü") == (
        f"{FILE}#heading=Pages%20%26%20frames%2FTLB%3A%20%C3%BC"
    )


def test_a_passage_with_no_known_place_links_to_the_file() -> None:
    assert _url() == FILE
