"""Citations come only from the sources the model was given: a marker that points at no
source is removed from the answer, never turned into a citation."""

from __future__ import annotations

import re

from byosc.domain import Citation, ScoredChunk

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cite(answer: str, sources: list[ScoredChunk], snippet_chars: int) -> tuple[str, list[Citation]]:
    """Return the answer with invalid markers dropped, and the citations it relies on.

    Cited sources come in the order the answer first names them. An answer with no valid
    marker still rests on the sources it was given, so all of them are cited.
    """
    cited: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= len(sources)]
        cited.extend(n for n in valid if n not in cited)
        return "".join(f"[{n}]" for n in valid)

    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", _MARKER.sub(keep_valid, answer)).strip()
    numbers = cited or list(range(1, len(sources) + 1))
    return cleaned, [citation_of(n, sources[n - 1], snippet_chars) for n in numbers]


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
    )


def snippet(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"
