"""What both Qdrant adapters store per chunk, so Edge and the server hold identical points.

A point is a chunk's ID, a dense vector named "dense" (cosine), a sparse BM25 vector named
"bm25" (Qdrant applies IDF at query time) and the chunk's fields as payload. The BM25
vectors come from qdrant_edge's Bm25 on both sides, so a shard and a collection built from
the same chunks score a keyword query the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from qdrant_edge import Bm25

from byosc.chunk import context_text
from byosc.domain import Chunk, SearchMode

__all__ = ["SearchMode"]

DENSE = "dense"
SPARSE = "bm25"
COURSE_FIELD = "course_id"
DOCUMENT_FIELD = "document_id"
# RRF fusion of the dense and BM25 rankings in the engine, in prefetch order (dense first):
# the chat's hybrid mode with rag.fusion=engine (the default fuses page by page instead,
# byosc/rag/fusion.py). Chosen on the
# real-decks evaluation set (examples/real-decks/eval: two lecture decks nobody here wrote)
# by a grid of k in 2..60 and dense weight 1..3, and reported on the other sets (README,
# "Retrieval quality"): a very small k, which lets the top few of each side decide, and
# double weight on the dense side. Set explicitly because the engines' defaults differ.
RRF_K = 2
RRF_WEIGHTS = [2.0, 1.0]
UPSERT_BATCH = 256
SCROLL_PAGE = 256


@lru_cache(maxsize=1)
def _bm25() -> Bm25:
    return Bm25()


def chunk_payload(chunk: Chunk) -> dict[str, Any]:
    return chunk.model_dump(mode="json")


def payload_chunk(payload: dict[str, Any] | None) -> Chunk:
    return Chunk.model_validate(payload or {})


def dense_of(vectors: Any) -> list[float] | None:
    """The dense vector out of a point's named vectors, when they were asked for."""
    if isinstance(vectors, dict) and isinstance(vectors.get(DENSE), list):
        return [float(x) for x in vectors[DENSE]]
    return None


def sparse_text(chunk: Chunk) -> str:
    """The context line (title, heading) is indexed with the text so a query naming a
    section finds it; chunks stored before they had one fall back to the heading."""
    if chunk.context:
        return context_text(chunk)
    return f"{chunk.heading}\n{chunk.text}" if chunk.heading else chunk.text


def sparse_document(chunk: Chunk) -> tuple[list[int], list[float]]:
    vector = _bm25().embed_document(sparse_text(chunk))
    return list(vector.indices), list(vector.values)


def sparse_query(text: str) -> tuple[list[int], list[float]]:
    vector = _bm25().embed_query(text)
    return list(vector.indices), list(vector.values)


def checked_batches(
    chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]], dimension: int
) -> Iterator[list[tuple[Chunk, list[float]]]]:
    """(chunk, vector) pairs in upsert batches, after checking they belong together."""
    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    for vector in vectors:
        if len(vector) != dimension:
            raise ValueError(f"vector of dimension {len(vector)}; this index holds {dimension}")
    pairs = [
        (chunk, [float(x) for x in vector]) for chunk, vector in zip(chunks, vectors, strict=True)
    ]
    for start in range(0, len(pairs), UPSERT_BATCH):
        yield pairs[start : start + UPSERT_BATCH]


def check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1")


def prefetch_limit(limit: int) -> int:
    """How many candidates each side of a hybrid query contributes to the fusion."""
    return max(4 * limit, 20)


def in_document_order(chunks: list[Chunk]) -> list[Chunk]:
    return sorted(chunks, key=lambda c: c.index)
