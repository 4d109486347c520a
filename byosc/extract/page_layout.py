"""Structure inside pages of prose: numbered section headings and navigation pages.

A book or a set of lecture notes exported to PDF gives one section per page, with no
heading: a page's chunks would all share one context line (its running header, if any),
though the page holds "6.1 Lists" and then "6.2 Constructing and modifying lists". Here a
page is split at its numbered heading lines, and each part is headed by the heading path
in force ("6 Lists and data frames > 6.1 Lists"), carried from page to page, so a chunk
is embedded with the section it belongs to. The page stays what a citation names.

A table of contents or an index lists every topic with a page number: it matches almost
any question and answers none. Such pages (most lines ending in dot leaders and page
numbers) are left out, and the document's warnings name them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from byosc.domain import Section
from byosc.extract.outline import HEADING_SEPARATOR

# "6.2.1 Concatenating lists": one to four numbers of at most two digits, then a capital.
# "1." or "2)" (list items) and lines of figures ("1.5 4.31 4.5") do not match.
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\s+([A-Z][^\n]{1,78})$")
_MAX_HEADING_WORDS = 12
# "5.7.1 Matrix multiplication ........ 24", "cbind . . . . . 8, 11, 27": dot leaders, then
# page numbers (arabic or roman).
_LEADER_LINE = re.compile(r"(?:\.\s?){3,}\s*[\divxlcIVXLC][\divxlcIVXLC,\s–-]*$")
_NAVIGATION_SHARE = 0.5
_NAVIGATION_MIN_LINES = 5
# What may precede a page's first heading and be dropped: a page number or running header.
_MAX_RUNNING_HEADER_CHARS = 80


def is_navigation_page(text: str) -> bool:
    """A table of contents or an index: most lines end with dot leaders and page numbers."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < _NAVIGATION_MIN_LINES:
        return False
    leaders = sum(bool(_LEADER_LINE.search(line)) for line in lines)
    return leaders / len(lines) >= _NAVIGATION_SHARE


def numbered_heading(line: str) -> tuple[tuple[int, ...], str] | None:
    """The number and the whole line of a numbered heading, or None."""
    line = " ".join(line.split())
    match = _NUMBERED_HEADING.match(line)
    if match is None or line.endswith((".", ",", ";", ":")):
        return None
    if len(line.split()) > _MAX_HEADING_WORDS or _LEADER_LINE.search(line):
        return None
    return tuple(int(part) for part in match.group(1).split(".")), line


@dataclass
class _Path:
    """The open numbered headings: "6" then "6.2" then "6.2.1"."""

    open: list[tuple[tuple[int, ...], str]] = field(default_factory=list)

    def enter(self, number: tuple[int, ...], line: str) -> None:
        while self.open and self.open[-1][0] != number[: len(self.open[-1][0])]:
            self.open.pop()
        if self.open and len(self.open[-1][0]) >= len(number):
            self.open.pop()
        self.open.append((number, line))

    def text(self) -> str | None:
        return HEADING_SEPARATOR.join(line for _, line in self.open) or None


@dataclass
class PageLayout:
    sections: list[Section]
    navigation_pages: list[int]


def lay_out_pages(sections: Sequence[Section]) -> PageLayout:
    """Pages without a heading split at their numbered headings, navigation pages left out;
    other sections pass through unchanged."""
    path = _Path()
    laid_out: list[Section] = []
    navigation: list[int] = []
    for section in sections:
        if not _is_page(section):
            laid_out.append(section)
        elif is_navigation_page(section.text):
            navigation.append(section.page or 0)
        else:
            laid_out.extend(_split_page(section, path))
    return PageLayout(laid_out, sorted(set(navigation)))


def _is_page(section: Section) -> bool:
    return section.page is not None and section.heading is None and section.start_s is None


def _split_page(page: Section, path: _Path) -> list[Section]:
    parts: list[tuple[str | None, list[str]]] = [(path.text(), [])]
    for line in page.text.splitlines():
        heading = numbered_heading(line)
        if heading is not None:
            path.enter(*heading)
            parts.append((path.text(), []))
        parts[-1][1].append(line)
    if len(parts) == 1:
        return [page]
    if _only_running_header(parts[0][1]):
        parts = parts[1:]
    return [
        page.model_copy(update={"text": "\n".join(lines).strip(), "heading": heading})
        for heading, lines in parts
        if "\n".join(lines).strip()
    ]


def _only_running_header(lines: list[str]) -> bool:
    """A page number or a running header alone before the page's first heading."""
    text = [line.strip() for line in lines if line.strip()]
    return len(text) <= 1 and all(len(line) <= _MAX_RUNNING_HEADER_CHARS for line in text)


def navigation_warning(pages: list[int]) -> list[str]:
    """The document's warning naming the pages left out, if any."""
    if not pages:
        return []
    listed = ", ".join(str(page) for page in pages)
    which = f"pages {listed} are" if len(pages) > 1 else f"page {listed} is"
    return [f"{which} a table of contents or an index: not searched"]
