"""Pages of prose split at their numbered headings; contents and index pages left out."""

from __future__ import annotations

import pytest

from byosc.domain import Section
from byosc.extract.page_layout import (
    is_navigation_page,
    lay_out_pages,
    navigation_warning,
    numbered_heading,
)

CONTENTS = "\n".join(
    ["i", "Table of Contents"]
    + [
        f"{n}.{m} Section {n}{m} title ........................ {n * 3 + m}"
        for n in range(1, 4)
        for m in range(1, 4)
    ]
)
INDEX = "\n".join(
    ["Appendix D Function index", "A"]
    + [f"{word} . . . . . . . . . . . . . . . 8, 11, 27" for word in ("abline", "apply", "array")]
    + [f"{word} . . . . . . . . . . . . . . . {n}" for n, word in enumerate(("c", "cbind"), 30)]
)


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("6 Lists and data frames", (6,)),
        ("6.2.1 Concatenating lists", (6, 2, 1)),
        ("10.4 The ‘...’ argument", (10, 4)),
        ("5.9 The concatenation function, c(), with arrays", (5, 9)),
    ],
)
def test_numbered_headings_are_found_with_their_number(line: str, number: tuple[int, ...]) -> None:
    assert numbered_heading(line) == (number, line)


@pytest.mark.parametrize(
    "line",
    [
        "1. Load the data",  # a numbered list item
        "1.5 4.3102 4.5 4.1061",  # figures
        "2 Processes are created by fork.",  # a sentence
        "3 frames of memory",  # no capital: a phrase, not a heading
        "5.7.1 Matrix multiplication ........ 24",  # a contents line
        "123 Main Street",
        "4 " + "Word " * 14,
    ],
)
def test_lines_that_are_not_headings(line: str) -> None:
    assert numbered_heading(line) is None


def test_contents_and_index_pages_are_navigation_and_prose_is_not() -> None:
    assert is_navigation_page(CONTENTS)
    assert is_navigation_page(INDEX)
    prose = "6.1 Lists\nAn R list is an object consisting of an ordered collection.\n" * 3
    assert not is_navigation_page(prose)
    assert not is_navigation_page("Agenda\n1 Intro ..... 2")  # too short to tell


def test_a_page_is_split_at_its_headings_and_the_path_carries_to_the_next_page() -> None:
    pages = [
        Section(text="29\n6 Lists and data frames\n6.1 Lists\nA list is an object.", page=35),
        Section(
            text="Chapter 6: Lists 30\nLists can be extended.\n6.2 Data frames\nA data"
            " frame is a list.\n6.2.1 Making data frames\nUse data.frame().",
            page=36,
        ),
        Section(text="7.1 The read.table() function\nReads a whole data frame.", page=37),
    ]
    laid_out = lay_out_pages(pages).sections
    assert [(s.page, s.heading) for s in laid_out] == [
        (35, "6 Lists and data frames"),
        (35, "6 Lists and data frames > 6.1 Lists"),
        (36, "6 Lists and data frames > 6.1 Lists"),
        (36, "6 Lists and data frames > 6.2 Data frames"),
        (36, "6 Lists and data frames > 6.2 Data frames > 6.2.1 Making data frames"),
        (37, "7.1 The read.table() function"),
    ]
    # The lone page number before the first heading is dropped; a running header that
    # comes with body text stays with it, and every heading line stays in its text.
    assert laid_out[0].text == "6 Lists and data frames"
    assert laid_out[2].text == "Chapter 6: Lists 30\nLists can be extended."
    assert laid_out[4].text.startswith("6.2.1 Making data frames")


def test_navigation_pages_are_left_out_and_named_in_a_warning() -> None:
    sections = [
        Section(text=CONTENTS, page=3),
        Section(text="1 Introduction\nR is an environment.", page=8),
        Section(text=INDEX, page=108),
    ]
    layout = lay_out_pages(sections)
    assert [s.page for s in layout.sections] == [8]
    assert layout.navigation_pages == [3, 108]
    assert navigation_warning(layout.navigation_pages) == [
        "pages 3, 108 are a table of contents or an index: not searched"
    ]
    assert navigation_warning([9]) == ["page 9 is a table of contents or an index: not searched"]
    assert navigation_warning([]) == []


def test_sections_that_are_not_plain_pages_pass_through_unchanged() -> None:
    sections = [
        Section(text="## 1.1 Not split\n1.2 Also not split", heading="Notes"),
        Section(text="1 Intro\nspoken words", page=None, start_s=0.0, end_s=4.0),
        Section(text="Slide title\n- a bullet", page=2),
    ]
    assert lay_out_pages(sections).sections == sections
