"""PPTX: one section per slide, numbered from 1, with tables and speaker notes."""

from __future__ import annotations

import pytest

from byosc.errors import BadFile
from byosc.extract import extract_file
from byosc.settings import ExtractLimits
from tests.unit.extract.office import Slide, make_deck

DECK = make_deck(
    [
        Slide(title="Deadlocks", body=["Four conditions", "All must hold"], notes="Coffman, 1971."),
        Slide(title="Banker's Algorithm", table=[["Process", "Holds"], ["P0", "5"]]),
        Slide(),
        Slide(title="Summary", body=["Prevent, avoid, detect"]),
    ]
)


def test_each_slide_is_a_section_numbered_as_in_powerpoint() -> None:
    extracted = extract_file(DECK, "lecture4.pptx")
    assert extracted.media_type.endswith("presentationml.presentation")
    assert [(s.page, s.heading) for s in extracted.sections] == [
        (1, "Deadlocks"),
        (2, "Banker's Algorithm"),
        (4, "Summary"),
    ]


def test_a_slide_reads_title_then_body_then_notes() -> None:
    first = extract_file(DECK, "lecture4.pptx").sections[0]
    assert first.text == "Deadlocks\nFour conditions\nAll must hold\nNotes: Coffman, 1971."


def test_table_rows_are_kept_with_cells_separated() -> None:
    second = extract_file(DECK, "lecture4.pptx").sections[1]
    assert second.text == "Banker's Algorithm\nProcess | Holds\nP0 | 5"


def test_the_deck_title_is_the_first_slide_title_when_none_is_stated() -> None:
    assert extract_file(DECK, "lecture4.pptx").title == "Deadlocks"


def test_a_deck_with_more_slides_than_allowed_is_refused() -> None:
    deck = make_deck([Slide(title=f"Slide {n}") for n in range(3)])
    with pytest.raises(BadFile) as caught:
        extract_file(deck, "long.pptx", limits=ExtractLimits(max_pages=2))
    assert caught.value.reason == "3 slides; at most 2"
