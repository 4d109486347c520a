"""MarkdownExtractor: one section per heading, located by its heading path."""

from __future__ import annotations

import re

from byosc.extract.outline import Outline
from byosc.extract.plain import read_text
from byosc.extract.titles import title_from_filename
from byosc.ports import Extracted

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n(---|\.\.\.)\n", re.DOTALL)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")


class MarkdownExtractor:
    media_type = "text/markdown"

    def extract(self, data: bytes, filename: str) -> Extracted:
        text, warnings = read_text(data, filename)
        outline = parse_outline(_FRONT_MATTER.sub("", text, count=1))
        return Extracted(
            media_type=self.media_type,
            title=outline.title or title_from_filename(filename),
            sections=outline.sections,
            warnings=warnings,
        )


def parse_outline(text: str) -> Outline:
    outline = Outline()
    fence: str | None = None
    for line in text.split("\n"):
        if (opened := _FENCE.match(line)) is not None:
            marker = opened.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
        elif fence is None and _take_heading(outline, line):
            continue
        outline.body.append(line)
    outline.flush()
    return outline


def _take_heading(outline: Outline, line: str) -> bool:
    if (atx := _ATX.match(line)) is not None:
        text = _plain(atx.group(2) or "")
        if text:
            outline.heading(len(atx.group(1)), text)
        else:
            outline.flush()
        return True
    underline = _SETEXT_UNDERLINE.match(line)
    if underline is None or not _single_line_paragraph(outline.body):
        return False
    text = _plain(outline.body.pop())
    outline.heading(1 if underline.group(1).startswith("=") else 2, text)
    return True


def _single_line_paragraph(body: list[str]) -> bool:
    """Setext headings are recognised only under a one-line paragraph, which keeps `---`
    rules under longer paragraphs from turning prose into headings."""
    if not body or not body[-1].strip() or body[-1].lstrip().startswith(("-", "*", "+", ">")):
        return False
    return len(body) == 1 or not body[-2].strip()


def _plain(heading: str) -> str:
    text = _LINK.sub(r"\1", heading)
    text = _EMPHASIS.sub(r"\2", text)
    return " ".join(text.split())
