"""Outline: builds heading-path sections from a stream of headings and body lines.

Shared by the extractors of formats with headings (Markdown, DOCX, HTML), so a section's
`heading` reads the same whatever the file type: "Chapter > Section > Subsection".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from byosc.domain import Section

HEADING_SEPARATOR = " > "


@dataclass
class Outline:
    """Remembers the open headings and the body under the last one."""

    sections: list[Section] = field(default_factory=list)
    path: list[tuple[int, str]] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    title: str | None = None

    def heading(self, level: int, text: str) -> None:
        self.flush()
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))
        if level == 1 and self.title is None:
            self.title = text

    def flush(self) -> None:
        text = "\n".join(self.body).strip()
        if text:
            heading = HEADING_SEPARATOR.join(t for _, t in self.path) or None
            self.sections.append(Section(text=text, heading=heading))
        self.body = []
