"""Chunking: sections -> pieces small enough to embed, each keeping its section's location.

Long sections are cut at the best boundary inside the size budget (paragraph, then
sentence, then word, then anywhere), and each piece starts a little before the previous
one ended so a sentence cut in two still appears whole in one of them. Pieces never span
two pages or two headings. Short time-stamped segments (transcripts) are merged first,
so a chunk covers a span of speech rather than one caption line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from byosc.domain import Chunk, Document, Section, chunk_id
from byosc.extract.titles import title_from_text

_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*\s+|[。！？]\s*")
_WORD = re.compile(r"\s+")
# Strongest boundary first; a weaker one is used only when no stronger one fits.
_BOUNDARIES = (_PARAGRAPH, _SENTENCE, _WORD)


def chunk_sections(
    sections: Sequence[Section], size_chars: int, overlap_chars: int
) -> list[Section]:
    if size_chars < 1 or not 0 <= overlap_chars < size_chars:
        raise ValueError("need size_chars >= 1 and 0 <= overlap_chars < size_chars")
    pieces: list[Section] = []
    for section in merge_segments(sections, size_chars):
        for text in split_text(section.text, size_chars, overlap_chars):
            pieces.append(section.model_copy(update={"text": text}))
    return pieces


def merge_segments(sections: Sequence[Section], size_chars: int) -> list[Section]:
    """Joins consecutive time-stamped segments of one page and heading up to size_chars."""
    merged: list[Section] = []
    for section in sections:
        previous = merged[-1] if merged else None
        if previous is not None and _mergeable(previous, section, size_chars):
            merged[-1] = previous.model_copy(
                update={
                    "text": f"{previous.text.strip()} {section.text.strip()}",
                    "end_s": section.end_s,
                }
            )
        else:
            merged.append(section)
    return merged


def _mergeable(previous: Section, section: Section, size_chars: int) -> bool:
    timed = previous.start_s is not None and section.start_s is not None
    same_place = (previous.page, previous.heading) == (section.page, section.heading)
    fits = len(previous.text.strip()) + 1 + len(section.text.strip()) <= size_chars
    return timed and same_place and fits


def split_text(text: str, size_chars: int, overlap_chars: int) -> list[str]:
    """Pieces of at most size_chars, consecutive ones sharing up to overlap_chars."""
    text = text.strip()
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = len(text) if len(text) - start <= size_chars else _cut(text, start, size_chars)
        if piece := text[start:end].strip():
            pieces.append(piece)
        if end >= len(text):
            break
        start = _next_start(text, start, end, overlap_chars)
    return pieces


def _cut(text: str, start: int, size_chars: int) -> int:
    """The end of the piece starting at `start`: the strongest boundary in the back half
    of the budget (so pieces are not tiny), else a hard cut at the budget."""
    limit = start + size_chars
    earliest = start + size_chars // 2
    for boundary in _BOUNDARIES:
        ends = [m.end() for m in boundary.finditer(text, earliest, limit + 1) if m.end() <= limit]
        if ends:
            return ends[-1]
    return limit


def _next_start(text: str, start: int, end: int, overlap_chars: int) -> int:
    """Where the next piece begins: the earliest sentence start, else word start, within
    the last overlap_chars of this piece (a plain character offset in text without spaces);
    always after this piece's start."""
    if overlap_chars == 0:
        return end
    window_start = max(end - overlap_chars, start + 1)
    for boundary in (_SENTENCE, _WORD):
        starts = [m.end() for m in boundary.finditer(text, window_start, end) if m.end() < end]
        if starts:
            return starts[0]
    return window_start


def page_titles(sections: Sequence[Section]) -> dict[int, str]:
    """The title line of each page that has no heading (a PDF slide's first line), read
    before chunking, since only a page's first piece still starts with it."""
    titles: dict[int, str] = {}
    for section in sections:
        if section.page is None or section.heading or section.page in titles:
            continue
        if title := title_from_text(section.text):
            titles[section.page] = title
    return titles


def chunk_context(title: str, place: str | None) -> str:
    """ "Document title > section title", without saying the same thing twice."""
    parts = [part for part in (title.strip(), (place or "").strip()) if part]
    if len(parts) == 2 and parts[1].casefold().startswith(parts[0].casefold()):
        parts = parts[1:]
    return " > ".join(parts)


def context_text(chunk: Chunk) -> str:
    """What is embedded and BM25-indexed for a chunk: its context line, then its text."""
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


def build_chunks(
    course_id: str,
    document: Document,
    pieces: Sequence[Section],
    titles: dict[int, str] | None = None,
) -> list[Chunk]:
    """Chunks with IDs fixed by course, content and position, so re-ingesting overwrites.
    `titles` are page titles (`page_titles`) for pieces without a heading."""
    kept = [piece for piece in pieces if piece.text.strip()]
    titles = titles or {}

    def place(piece: Section) -> str | None:
        return piece.heading or (titles.get(piece.page) if piece.page is not None else None)

    return [
        Chunk(
            id=chunk_id(course_id, document.content_hash, index),
            course_id=course_id,
            document_id=document.id,
            index=index,
            text=piece.text.strip(),
            title=document.title,
            filename=document.filename,
            media_type=document.media_type,
            page=piece.page,
            heading=piece.heading,
            start_s=piece.start_s,
            end_s=piece.end_s,
            ocr=piece.ocr,
            context=chunk_context(document.title, place(piece)),
        )
        for index, piece in enumerate(kept)
    ]
