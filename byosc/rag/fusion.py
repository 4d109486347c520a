"""Hybrid ranking fused page by page: the dense and BM25 rankings of a course's chunks become
rankings of pages (a page, slide or section ranks where its best chunk ranks), and those are
fused with weighted reciprocal rank fusion.

Fusing pages rather than chunks keeps a long page whose four chunks fill the top of one
ranking from pushing every other page down that ranking, and it is the unit a citation
names. Ties, which RRF with a small k makes common, go to the page closer to the question
by cosine; the engine's own fusion breaks them by storage order, which moved nDCG@10 by up
to 0.01 between two indexings of the same set.

The formula is Qdrant's weighted RRF, so the weights mean what they mean in the engine's
fusion: a side's position is divided by its weight, 1 / ((position + 1) / weight + k - 1).
"""

from __future__ import annotations

from collections.abc import Hashable

from byosc.domain import ScoredChunk

# Chosen on the real-decks evaluation set only (examples/real-decks/eval), by the grid the
# engine's fusion was chosen with (k 1..60, dense weight 1..4), with page fusion, this
# tie-break, spelling correction, page layout and the follow-up rules in place; reported
# on the other sets (README, "Retrieval quality").
PAGE_RRF_K = 5
PAGE_RRF_WEIGHTS = (3.0, 1.0)


def page_of(hit: ScoredChunk) -> Hashable:
    """What a citation points to: the page or slide, else the section, else the chunk."""
    chunk = hit.chunk
    if chunk.page is not None:
        return (chunk.document_id, "page", chunk.page)
    if chunk.heading:
        return (chunk.document_id, "section", chunk.heading)
    return (chunk.document_id, "chunk", chunk.id)


def rrf_term(position: int, weight: float, k: float) -> float:
    return 1.0 / ((position + 1) / weight + k - 1)


def fuse_pages(
    rankings: list[list[ScoredChunk]],
    cosine: dict[str, float],
    *,
    k: float = PAGE_RRF_K,
    weights: tuple[float, ...] = PAGE_RRF_WEIGHTS,
) -> list[ScoredChunk]:
    """The chunks of all rankings: each page's best chunk in fused page order first, then
    the pages' other chunks in the same order, so the top of the list spans pages.
    `cosine`: each chunk's cosine similarity to the question, by chunk ID (tie-break)."""
    if len(rankings) != len(weights):
        raise ValueError(f"{len(rankings)} rankings but {len(weights)} weights")
    page_score: dict[Hashable, float] = {}
    chunk_score: dict[str, float] = {}
    hits: dict[str, ScoredChunk] = {}
    pages: dict[str, Hashable] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: dict[Hashable, int] = {}
        for position, hit in enumerate(ranking):
            chunk_id = hit.chunk.id
            hits.setdefault(chunk_id, hit)
            page = pages.setdefault(chunk_id, page_of(hit))
            chunk_score[chunk_id] = chunk_score.get(chunk_id, 0.0) + rrf_term(position, weight, k)
            if page not in seen:
                # A page's position in this ranking is that of its best chunk.
                seen[page] = len(seen)
                page_score[page] = page_score.get(page, 0.0) + rrf_term(seen[page], weight, k)

    def closeness(chunk_id: str) -> float:
        return cosine.get(chunk_id, -1.0)

    page_cosine: dict[Hashable, float] = {}
    for chunk_id, page in pages.items():
        page_cosine[page] = max(page_cosine.get(page, -1.0), closeness(chunk_id))
    # Rounded so that sums equal on paper compare equal in floating point.
    page_order = sorted(page_score, key=lambda p: (-round(page_score[p], 9), -page_cosine[p]))
    page_rank = {page: n for n, page in enumerate(page_order)}
    chunk_order = sorted(
        chunk_score,
        key=lambda c: (page_rank[pages[c]], -round(chunk_score[c], 9), -closeness(c)),
    )
    best: list[ScoredChunk] = []
    rest: list[ScoredChunk] = []
    placed: set[Hashable] = set()
    for chunk_id in chunk_order:
        page = pages[chunk_id]
        fused = hits[chunk_id].model_copy(update={"score": page_score[page]})
        (rest if page in placed else best).append(fused)
        placed.add(page)
    return best + rest
