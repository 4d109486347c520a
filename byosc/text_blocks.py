"""Chunk text -> blocks (paragraphs, lists, headings, captions) with line wraps undone.

Code, tables, diagrams and page furniture are dropped: they hold no sentences to learn from.
A slide deck's lines are bullets of the slide, one per line; elsewhere a line that does not
end a sentence is wrapped text and continues on the next line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from byosc.domain import SLIDE_DECK, Chunk

BlockKind = Literal["paragraph", "list", "heading", "caption"]

_ITEM = re.compile(r"^(?:[-*+•]|\d{1,2}[.)])\s+(?P<text>.+)$")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}\.\s+(?P<title>[A-Z][^.:;!?]{2,70})$")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+)$")
_CAPTION = re.compile(r"^(?:Figure|Fig\.|Table)\s+\d+(?:\.\d+)*\s*[:.]\s+\S")
_PAGE_FOOTER = re.compile(r"^(?:Page\s+)?\d+\s+(?:of|/)\s+\d+$", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)*`]*$")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}


@dataclass
class Block:
    kind: BlockKind
    text: str = ""
    items: list[str] = field(default_factory=list)


def blocks_of(chunk: Chunk) -> list[Block]:
    slides = chunk.media_type == SLIDE_DECK
    blocks: list[Block] = []
    in_code = False
    for raw in chunk.text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code or _is_furniture(line):
            blocks.append(Block("paragraph"))  # ends the paragraph or list before it
        elif slides and line == chunk.heading:
            blocks.append(Block("heading", line))
        else:
            _add_line(blocks, line, raw, slides)
    return [b for b in blocks if b.text or b.items]


def _add_line(blocks: list[Block], line: str, raw: str, slide_bullet: bool) -> None:
    last = blocks[-1] if blocks else None
    if heading := _heading(line):
        blocks.append(Block("heading", heading))
    elif _CAPTION.match(line):
        blocks.append(Block("caption", line))
    elif line.startswith("Notes:") and slide_bullet:
        blocks.append(Block("paragraph", line))
    elif (item := _ITEM.match(line)) or slide_bullet:
        text = item.group("text") if item else line
        if last is not None and last.kind == "list":
            last.items.append(text)
        else:
            blocks.append(Block("list", items=[text]))
    elif last is not None and _continues(last, raw):
        _extend(last, line)
    else:
        blocks.append(Block("paragraph", line))


def _continues(block: Block, raw: str) -> bool:
    """Wrapped text: an indented line, or the previous line stopped mid-sentence."""
    if block.kind == "heading":
        return False
    if block.kind == "list":
        return raw[:1].isspace() or not _ENDS_SENTENCE.search(block.items[-1])
    if block.kind == "caption":
        return not _ENDS_SENTENCE.search(block.text)
    return bool(block.text)


def _extend(block: Block, line: str) -> None:
    if block.kind == "list":
        block.items[-1] = f"{block.items[-1]} {line}"
    else:
        block.text = f"{block.text} {line}"


def _heading(line: str) -> str | None:
    if match := _MARKDOWN_HEADING.match(line):
        return match.group("title").strip("# ")
    match = _NUMBERED_HEADING.match(line)
    if match is None:
        return None
    words = re.findall(r"[A-Za-z][\w'-]*", match.group("title"))
    title_case = all(w[0].isupper() for w in words if w.lower() not in _SMALL_WORDS)
    return match.group("title") if title_case else None


def _is_furniture(line: str) -> bool:
    """Blank lines, table rows, ASCII diagrams and page footers."""
    if not line or _PAGE_FOOTER.match(line) or re.fullmatch(r"\d{1,2}\.", line):
        return True
    if line.startswith("|") or line.count(" | ") >= 1:
        return True
    letters = sum(ch.isalpha() for ch in line)
    return letters < len(line) * 0.4
