"""HtmlExtractor: the readable text of a page, one section per h1-h3 heading.

Scripts, styles, navigation and other non-content elements are dropped; block elements
end lines and table cells are joined with " | ", so the text reads like the rendered page.
"""

from __future__ import annotations

from html.parser import HTMLParser

from byosc.extract.outline import Outline
from byosc.extract.plain import read_text
from byosc.extract.titles import title_from_filename
from byosc.ports import Extracted

_DROPPED = frozenset({"script", "style", "noscript", "template", "svg", "nav", "iframe"})
_SECTION_HEADINGS = {"h1": 1, "h2": 2, "h3": 3}
_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "footer", "form", "h4", "h5", "h6", "header", "hr", "li", "main"),
        *("ol", "p", "pre", "section", "table", "tr", "ul"),
    }
)
_CELLS = frozenset({"td", "th"})


class HtmlExtractor:
    media_type = "text/html"

    def extract(self, data: bytes, filename: str) -> Extracted:
        text, warnings = read_text(data, filename)
        page = _PageText()
        page.feed(text)
        page.close()
        return Extracted(
            media_type=self.media_type,
            title=page.title or page.outline.title or title_from_filename(filename),
            sections=page.outline.sections,
            warnings=warnings,
        )


class _PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = Outline()
        self.title: str | None = None
        self._line: list[str] = []
        self._dropped_depth = 0
        self._pre_depth = 0
        self._heading: tuple[int, list[str]] | None = None
        self._title_parts: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropped_depth += 1
        elif self._dropped_depth:
            return
        elif tag in _SECTION_HEADINGS:
            self._end_line()
            self._heading = (_SECTION_HEADINGS[tag], [])
        elif tag == "title":
            self._title_parts = []
        elif tag in _CELLS and "".join(self._line).strip():
            self._line.append(" | ")
        elif tag in _BLOCKS:
            self._end_line()
            self._pre_depth += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._dropped_depth = max(self._dropped_depth - 1, 0)
        elif self._dropped_depth:
            return
        elif tag in _SECTION_HEADINGS and self._heading is not None:
            level, parts = self._heading
            self._heading = None
            if text := " ".join("".join(parts).split()):
                self.outline.heading(level, text)
        elif tag == "title" and self._title_parts is not None:
            self.title = " ".join("".join(self._title_parts).split()) or None
            self._title_parts = None
        elif tag in _BLOCKS:
            self._end_line()
            self._pre_depth = max(self._pre_depth - (tag == "pre"), 0)

    def handle_data(self, data: str) -> None:
        if self._dropped_depth:
            return
        if self._title_parts is not None:
            self._title_parts.append(data)
        elif self._heading is not None:
            self._heading[1].append(data)
        else:
            self._line.append(data)

    def close(self) -> None:
        super().close()
        self._end_line()
        self.outline.flush()

    def _end_line(self) -> None:
        text = "".join(self._line)
        self._line = []
        if self._pre_depth:
            lines = [line.rstrip() for line in text.strip("\n").split("\n")]
            self.outline.body.extend(line for line in lines if line.strip())
        elif collapsed := " ".join(text.split()):
            self.outline.body.append(collapsed)
