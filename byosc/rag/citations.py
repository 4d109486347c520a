"""Citations come only from the sources the model was given: a marker that points at no
source is removed from the answer, never turned into a citation, and a source the answer
does not mark is not cited."""

from __future__ import annotations

import math
import re
from urllib.parse import quote

from byosc.domain import Chunk, Citation, ScoredChunk
from byosc.originals import document_file_path
from byosc.rag.sentences import MARKER


def cite(answer: str, sources: list[ScoredChunk], snippet_chars: int) -> tuple[str, list[Citation]]:
    """Return the answer with invalid markers dropped, and the citations it relies on.

    Cited sources come in the order the answer first names them; an answer with no valid
    marker cites nothing (the chat does not show a generated answer without one, unless it
    declines to answer).
    """
    cited: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= len(sources)]
        cited.extend(n for n in valid if n not in cited)
        return "".join(f"[{n}]" for n in valid)

    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", MARKER.sub(keep_valid, answer)).strip()
    return cleaned, [citation_of(n, sources[n - 1], snippet_chars) for n in cited]


def cite_all(sources: list[ScoredChunk], snippet_chars: int) -> list[Citation]:
    """Every source, for an answer that is not generated from them: the passages a degraded
    or not-covered answer points to."""
    return [citation_of(n, s, snippet_chars) for n, s in enumerate(sources, start=1)]


def citation_of(n: int, source: ScoredChunk, snippet_chars: int) -> Citation:
    chunk = source.chunk
    return Citation(
        n=n,
        document_id=chunk.document_id,
        title=chunk.title,
        filename=chunk.filename,
        media_type=chunk.media_type,
        page=chunk.page,
        heading=chunk.heading,
        start_s=chunk.start_s,
        end_s=chunk.end_s,
        ocr=chunk.ocr,
        snippet=snippet(chunk.text, snippet_chars),
        score=round(source.score, 4),
        relevance=None if source.relevance is None else round(source.relevance, 4),
        url=citation_url(chunk),
    )


def citation_url(chunk: Chunk) -> str:
    """The document's file route with a fragment naming the cited place: a page (or slide),
    a time span as a W3C media fragment, or a heading."""
    path = document_file_path(chunk.course_id, chunk.document_id)
    if chunk.page is not None:
        return f"{path}#page={chunk.page}"
    if chunk.start_s is not None:
        # Widened to tenths of a second, so the span still holds the cited words.
        span = _seconds(math.floor(round(chunk.start_s * 10, 6)) / 10)
        if chunk.end_s is not None:
            span += "," + _seconds(math.ceil(round(chunk.end_s * 10, 6)) / 10)
        return f"{path}#t={span}"
    if chunk.heading:
        return f"{path}#heading={quote(chunk.heading, safe='')}"
    return path


def _seconds(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def snippet(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"
