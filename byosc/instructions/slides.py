"""Pairs from slide-shaped pages: a title line, then bullets.

A slide deck exported to PDF reaches the generator as pages of plain lines: a title, bullet
lines marked with a glyph (•, –, ▶, ...), bullets wrapped over several lines, and page
furniture (the speaker's name and talk title at the foot of every page). The fact miner
reads such a page as one run-on paragraph and finds little in it, so a page that is shaped
like a slide is read here as one:

- the title and the bullets -> "What are the key points about <title>?" answered by the
  bullets (sub-bullets under theirs), or "What are the <title>?" when the title names a
  plural and the bullets are short terms;
- an "A vs B" / "A versus B" title -> "How do A and B compare?" answered the same way;
- a bullet that defines ("Term: meaning", "Term - meaning", "Term is a ...") -> a
  definition question in the slide's context, answered by the bullet.

Every answer is made of the page's own words (wraps joined, glyphs dropped), and each pair
keeps the page's chunk, so it cites the page. A page counts as a slide when it fits in one
chunk, starts with a title-like line and has at least one bullet line; in a deck (most such
pages are slides) a page of a title and prose counts too, and a slide too long for one
chunk is read piece by piece under its title.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from byosc.domain import SLIDE_DECK, Chunk
from byosc.instructions.models import TaskType
from byosc.text import content_words

SlidePair = tuple[TaskType, str, str, Chunk]  # task, question, answer, the page's chunk

_BULLET = re.compile(
    r"^(?P<glyph>[•●○◦▪■□▶►‣➢➤✓✔§\uf0a7\uf06e\uf0b7*+-]|[–—]|\d{1,2}[.)])\s+(?P<text>\S.*)$"
)
_SUB_GLYPHS = frozenset("–—○◦▪\uf0a7")
_TITLE_NOISE = re.compile(r"\s*(?:\((?:cont\.?|continued)\)|…|\.\.\.|:)\s*$", re.IGNORECASE)
_VERSUS = re.compile(r"^(?P<a>.+?)\s+(?:vs\.?|versus)\s+(?P<b>.+)$", re.IGNORECASE)
_LABEL = re.compile(r"^(?P<term>[^:]{1,40}?)\s*(?::|\s[-–—]\s)\s*(?P<meaning>\S.+)$")
_IS = re.compile(
    r"^(?P<term>(?:An?|The)?\s*[A-Z][\w'’-]*(?:\s+[\w'’-]+){0,4}?)\s+(?P<verb>is|are)\s+(?P<meaning>(?:a|an|the)\s.+)$"
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][\w.]*(?:\(\))?$")
_NOT_A_TERM = re.compile(
    r"^(?:it|this|that|these|those|there|they|we|you|each|every|some|such|note|example|"
    r"e\.g|i\.e|for example|if|when|then|but|and|or|so|because|any|all|most|many|in|on|"
    r"for|with|by|at)\b",
    re.IGNORECASE,
)
_CODE = re.compile(
    r"[;{}]$|^#\s*include|\(\s*\)|==|^(?:def|class|import|from|return)\s"
    r"|^[\w.\[\]]+\s*=(?!=)|[A-Za-z_]\(\s*['‘\w]"  # x = ..., call( args
)
_NOT_CONTENT = re.compile(
    r"^(?:outline|contents|table of contents|agenda|overview|thank you|thanks|questions)\W*$",
    re.IGNORECASE,
)
MAX_TITLE_CHARS = 90
MAX_WORD_CHARS = 24  # longer "words" are words run together by the text layer
MAX_SUBTITLE_WORDS = 6
MIN_PROSE_WORDS = 8  # a page of a title and prose says at least this much (not a title page)
MAX_TERM_WORDS = 5
MIN_MEANING_WORDS = 3
SHORT_ITEM_WORDS = 6
MAX_ANSWER_CHARS = 1000
FURNITURE_SHARE = 0.5  # a line on at least half of a document's pages is page furniture
MIN_FURNITURE_PAGES = 3
DECK_SHARE = 0.5  # a document whose whole pages mostly have bullets is a slide deck


@dataclass
class Item:
    text: str
    sub: bool = False
    subs: list[str] = field(default_factory=list)


@dataclass
class Slide:
    title: str
    items: list[Item]
    chunk: Chunk


def read_slides(chunks: Sequence[Chunk]) -> list[Slide]:
    """The slide-shaped pages among one course's chunks, in reading order."""
    slides = [s for s in map(_presentation_slide, _whole_pages(_presentations(chunks))) if s]
    for document in _by_document(chunks).values():
        furniture = _furniture(document)
        sections = _section_lines(document, furniture)
        pages = _whole_pages(document)
        deck = bool(pages) and sum(_has_bullets(c) for c in pages) >= len(pages) * DECK_SHARE
        for chunk in pages:
            slide = read_slide(chunk, furniture, sections, deck)
            if slide is not None:
                slides.append(slide)
        if deck:
            slides.extend(_long_slides(document, furniture, sections))
    return sorted(slides, key=lambda slide: (slide.chunk.document_id, slide.chunk.index))


def _long_slides(
    chunks: list[Chunk], furniture: frozenset[str], sections: frozenset[str]
) -> list[Slide]:
    """The pieces of a deck's slides too long for one chunk, each under its slide's title.
    A bullet cut at a piece's edge is left out of that piece (the last of each piece but
    the final one; the first of a piece that does not start with a bullet)."""
    pieces: dict[int | None, list[Chunk]] = {}
    for chunk in chunks:
        pieces.setdefault(chunk.page, []).append(chunk)
    slides: list[Slide] = []
    for page_pieces in (p for p in pieces.values() if len(p) > 1):
        first = read_slide(page_pieces[0], furniture, sections, deck=True)
        if first is None:
            continue
        for n, piece in enumerate(page_pieces):
            lines = [(raw, " ".join(raw.split())) for raw in piece.text.splitlines()]
            lines = [(raw, line) for raw, line in lines if _kept(line, furniture)]
            items = first.items if n == 0 else _items(lines)
            starts_cut = n > 0 and bool(lines) and not _BULLET.match(lines[0][1])
            whole = items[starts_cut:] if n == len(page_pieces) - 1 else items[starts_cut:-1]
            if whole:
                slides.append(Slide(title=first.title, items=whole, chunk=piece))
    return slides


def read_slide(
    chunk: Chunk,
    furniture: frozenset[str] = frozenset(),
    sections: frozenset[str] = frozenset(),
    deck: bool = False,
) -> Slide | None:
    """The page as a slide, or None when it is not shaped like one. A first line in
    `sections` is a running section header, and the slide's own title is the next line.
    In a deck (most pages have bullets), a page of a title and prose is a slide too."""
    lines = [(raw, " ".join(raw.split())) for raw in chunk.text.splitlines()]
    lines = [(raw, line) for raw, line in lines if _kept(line, furniture)]
    if not lines or _BULLET.match(lines[0][1]):
        return None
    title, rest = _title(lines)
    if title in sections and rest and _subtitle_like(rest[0][1]):
        subtitle, rest = _title(rest)
        title = f"{title}: {subtitle}"
    bulleted = any(_BULLET.match(line) for _, line in rest)
    if not _title_like(title) or not (bulleted or deck) or _NOT_CONTENT.match(title):
        return None
    items = _items(rest)
    said = len(content_words(" ".join(i.text for i in items)))
    if not items or (not bulleted and said < MIN_PROSE_WORDS):
        return None
    return Slide(title=_TITLE_NOISE.sub("", title), items=items, chunk=chunk)


def _presentation_slide(chunk: Chunk) -> Slide | None:
    """A slide of a presentation file: its extractor gives the title as the heading and
    each bullet as a line, no glyphs; speaker notes are left to the fact miner."""
    lines = [" ".join(raw.split()) for raw in chunk.text.splitlines()]
    if not chunk.heading or not lines or lines[0] != chunk.heading:
        return None
    bullets = [line for line in lines[1:] if _kept(line) and not line.startswith("Notes:")]
    items = [Item(line) for line in bullets if _has_words(line)]
    said = len(content_words(" ".join(i.text for i in items)))
    if len(items) < 2 and said < MIN_PROSE_WORDS:  # a title slide: course name, speaker
        return None
    return Slide(title=chunk.heading, items=items, chunk=chunk)


def _kept(line: str, furniture: frozenset[str] = frozenset()) -> bool:
    """Not blank, not page furniture, not a table row, not code: a code listing is no
    answer in words."""
    return bool(line) and line not in furniture and " | " not in line and not _CODE.search(line)


def pairs_of(slide: Slide) -> list[SlidePair]:
    pairs = [_overview(slide)]
    for item in slide.items:
        for text in [item.text, *item.subs]:
            pairs.extend(_definition(slide, text))
    return [p for p in pairs if p is not None]


def _overview(slide: Slide) -> SlidePair | None:
    answer = _answer(slide.items)
    if not answer:
        return None
    versus = _VERSUS.match(slide.title)
    if versus:
        question = f"How do {versus['a']} and {versus['b']} compare?"
        return "explain", question, answer, slide.chunk
    if _is_list(slide):
        terms = "; ".join(item.text.rstrip(".;,") for item in slide.items)
        return "list", f"What are the {slide.title}?", f"{terms}.", slide.chunk
    return "explain", f"What are the key points about {slide.title}?", answer, slide.chunk


def _definition(slide: Slide, text: str) -> list[SlidePair]:
    label = _LABEL.match(text)
    if label and _good_term(label["term"]) and _says_enough(label["meaning"]):
        question = f'In "{slide.title}", what is meant by "{label["term"]}"?'
        return [("definition", question, _sentence(text), slide.chunk)]
    defined = _IS.match(text.rstrip("."))
    if defined and _good_term(defined["term"]) and _says_enough(defined["meaning"]):
        term = re.sub(r"^(?:An?|The)\s", lambda article: article[0].lower(), defined["term"])
        question = f'In "{slide.title}", what {defined["verb"]} {term}?'
        return [("definition", question, _sentence(text), slide.chunk)]
    return []


def _good_term(term: str) -> bool:
    words = term.split()
    if not words or len(words) > MAX_TERM_WORDS or _NOT_A_TERM.match(term):
        return False
    return term[0].isupper() or bool(_IDENTIFIER.match(term))


def _says_enough(meaning: str) -> bool:
    return len(content_words(meaning)) >= MIN_MEANING_WORDS


def _is_list(slide: Slide) -> bool:
    """Short terms under a plural title ("Editor Types": Text; Enum; Range)."""
    short = all(len(i.text.split()) <= SHORT_ITEM_WORDS and not i.subs for i in slide.items)
    last = slide.title.split()[-1].lower()
    plural = last.endswith("s") and not last.endswith("ss") and len(slide.title.split()) <= 6
    return len(slide.items) >= 2 and short and plural


def _answer(items: list[Item]) -> str:
    """The bullets as sentences, each with its sub-bullets, cut at whole bullets to fit."""
    parts: list[str] = []
    for item in items:
        text = item.text
        if item.subs:
            joined = "; ".join(s.rstrip(".;") for s in item.subs)
            text = f"{text} {joined}" if text.endswith(":") else f"{text.rstrip('.')}: {joined}"
        parts.append(_sentence(text))
        if sum(len(p) + 1 for p in parts) > MAX_ANSWER_CHARS:
            parts.pop()
            break
    return " ".join(parts)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text.rstrip(':;,')}."


def _title(lines: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """The first line, with the next one when the first wraps into it (a soft wrap ends
    with a space in the text layer, or the next line goes on in lower case)."""
    (raw, title), rest = lines[0], lines[1:]
    if rest and not _BULLET.match(rest[0][1]) and _wraps(raw, rest[0][1]):
        return f"{title} {rest[0][1]}", rest[1:]
    return title, rest


def _wraps(raw: str, following: str) -> bool:
    return raw[-1:].isspace() or following[:1].islower()


def _title_like(title: str) -> bool:
    return (
        len(title) <= MAX_TITLE_CHARS
        and sum(ch.isalpha() for ch in title) >= 3
        and not title.endswith((".", ",", ";"))
        and max(len(word) for word in title.split()) <= MAX_WORD_CHARS
    )


def _subtitle_like(line: str) -> bool:
    """A frame title under a section header: a short capitalised phrase, not a sentence
    or the lead-in of a list ("For example:")."""
    return (
        not _BULLET.match(line)
        and _title_like(line)
        and line[:1].isupper()
        and not line.endswith(":")
        and len(line.split()) <= MAX_SUBTITLE_WORDS
    )


def _items(lines: list[tuple[str, str]]) -> list[Item]:
    """Bullets with their wrapped lines joined. A text line between bullets is an item too,
    and one followed by bullets heads them ("ChunkedArray" over its bullets), as does a
    bullet followed by sub-bullets."""
    items: list[Item] = []
    heading: Item | None = None  # a text line whose bullets follow it
    previous_raw = ""
    for n, (raw, line) in enumerate(lines):
        bullet = _BULLET.match(line)
        following = lines[n + 1][1] if n + 1 < len(lines) else ""
        if bullet is None and items and _wraps(previous_raw, line):
            if _prose(line):
                _continue(items[-1], line)
        elif bullet is not None and (heading is not None or bullet["glyph"] in _SUB_GLYPHS):
            if items:
                items[-1].subs.append(bullet["text"])
            else:
                items.append(Item(bullet["text"]))
        elif bullet is None and _BULLET.match(following):
            heading = Item(line)
            items.append(heading)
        else:
            heading = None
            if bullet is not None or _has_words(line):
                items.append(Item(bullet["text"] if bullet else line))
        previous_raw = raw
    return [i for i in items if _has_words(i.text) or i.subs]


def _continue(item: Item, line: str) -> None:
    if item.subs:
        item.subs[-1] = f"{item.subs[-1]} {line}"
    else:
        item.text = f"{item.text} {line}"


def _has_words(line: str) -> bool:
    """An item of its own: prose of at least two words."""
    return _prose(line) and len(re.findall(r"[A-Za-z]{2,}", line)) >= 2


def _prose(line: str) -> bool:
    """Words, not code or a formula: mostly letters."""
    return sum(ch.isalpha() or ch.isspace() for ch in line) >= len(line) * 0.75


def _section_lines(chunks: list[Chunk], furniture: frozenset[str]) -> frozenset[str]:
    """First lines shared by several different pages: a deck's running section header
    ("Connected Components Labeling" over each of that section's slides)."""
    starts: dict[str, set[str]] = {}
    for chunk in chunks:
        lines = [" ".join(raw.split()) for raw in chunk.text.splitlines()]
        lines = [line for line in lines if line and line not in furniture]
        if lines:
            starts.setdefault(lines[0], set()).add("\n".join(lines))
    return frozenset(line for line, texts in starts.items() if len(texts) >= 2)


def _has_bullets(chunk: Chunk) -> bool:
    return any(_BULLET.match(" ".join(line.split())) for line in chunk.text.splitlines()[1:])


def _presentations(chunks: Sequence[Chunk]) -> list[Chunk]:
    return [c for c in chunks if c.media_type == SLIDE_DECK and c.page is not None]


def _by_document(chunks: Sequence[Chunk]) -> dict[str, list[Chunk]]:
    found: dict[str, list[Chunk]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.document_id, c.index)):
        if chunk.start_s is None and chunk.page is not None and chunk.media_type != SLIDE_DECK:
            found.setdefault(chunk.document_id, []).append(chunk)
    return found


def _whole_pages(chunks: list[Chunk]) -> list[Chunk]:
    """Chunks that hold a whole page: a slide is short; a page cut into pieces is prose."""
    per_page = Counter(c.page for c in chunks)
    return [c for c in chunks if per_page[c.page] == 1]


def _furniture(chunks: list[Chunk]) -> frozenset[str]:
    """Lines repeated on most pages of a document: speaker, talk title, course code."""
    pages = {c.page for c in chunks}
    if len(pages) < MIN_FURNITURE_PAGES:
        return frozenset()
    seen: Counter[str] = Counter()
    for page in pages:
        text = "\n".join(c.text for c in chunks if c.page == page)
        seen.update({" ".join(line.split()) for line in text.splitlines()} - {""})
    return frozenset(line for line, n in seen.items() if n >= len(pages) * FURNITURE_SHARE)
