"""Retrieval for chat and search: embed the query, search the course (dense, BM25 or both
fused in the engine), rerank, and judge whether the best chunk is relevant at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from byosc.domain import ScoredChunk
from byosc.ports import Embedder, SearchIndex
from byosc.rag.fusion import fuse_pages
from byosc.rag.rerank import Reranker, cosine_to, mmr
from byosc.settings import RagSettings


class QuerySpeller(Protocol):
    def correct(self, course_id: str, query: str) -> str:
        """The query with words the course does not hold corrected to its own."""
        ...


@dataclass(frozen=True)
class Retrieved:
    chunks: list[ScoredChunk]
    # Cosine similarity of the best candidate to the query, whatever the ranking: fused
    # scores (RRF) say nothing about absolute relevance, so the threshold uses this.
    relevance: float


class Retriever:
    def __init__(
        self,
        embedder: Embedder,
        index: SearchIndex,
        rag: RagSettings,
        reranker: Reranker | None = None,
        speller: QuerySpeller | None = None,
    ) -> None:
        self.embedder = embedder
        self.index = index
        self.rag = rag
        self.reranker = reranker
        self.speller = speller

    def retrieve(self, course_id: str, query: str, limit: int) -> Retrieved:
        """The course's `limit` best chunks for the query, by the settings' mode and reranking."""
        lexical = self.corrected(course_id, query)
        vector = self.embedder.embed_query(lexical if self.rag.spelling == "both" else query)
        depth = max(limit, self.rag.candidates)
        if self.rag.mode == "hybrid" and self.rag.fusion == "pages":
            candidates = self._fused_by_page(course_id, vector, lexical, depth)
        else:
            candidates = self.index.search(
                course_id, vector, lexical, depth, mode=self.rag.mode, with_vectors=True
            )
            candidates = _with_relevance(vector, candidates)
        if not candidates:
            return Retrieved(chunks=[], relevance=0.0)
        relevance = max(c.relevance or 0.0 for c in candidates)
        if self.reranker is not None:
            candidates = self.reranker.rerank(query, candidates)
        lambda_ = self.rag.mmr_lambda
        chosen = mmr(candidates, limit, lambda_) if lambda_ is not None else candidates[:limit]
        chunks = [c.model_copy(update={"vector": None}) for c in chosen]
        return Retrieved(chunks=chunks, relevance=relevance)

    def _fused_by_page(
        self, course_id: str, vector: list[float], text: str, depth: int
    ) -> list[ScoredChunk]:
        """Dense and BM25 rankings fused page by page here (byosc.rag.fusion)."""
        sides, cosine = self.rankings(course_id, vector, text, depth)
        return fuse_pages(sides, cosine)[:depth]

    def rankings(
        self, course_id: str, vector: list[float], text: str, depth: int
    ) -> tuple[list[list[ScoredChunk]], dict[str, float]]:
        """The dense and the BM25 ranking, each as deep as the engine's hybrid prefetch, and
        every chunk's cosine to the query: what page fusion fuses."""
        # Imported here: it loads the index library, which the gateway image (whose CLI
        # imports the chat) does not have.
        from byosc.index.points import prefetch_limit

        sides = [
            _with_relevance(
                vector,
                self.index.search(
                    course_id, vector, text, prefetch_limit(depth), mode=mode, with_vectors=True
                ),
            )
            for mode in ("dense", "sparse")
        ]
        cosine = {c.chunk.id: c.relevance or 0.0 for side in sides for c in side}
        return sides, cosine

    def corrected(self, course_id: str, query: str) -> str:
        """The query as BM25 sees it: spelling corrected, when the settings say so."""
        if self.speller is None or self.rag.spelling == "off" or self.rag.mode == "dense":
            return query
        return self.speller.correct(course_id, query)

    def covers(self, retrieved: Retrieved) -> bool:
        """Whether the material plausibly answers: the best chunk clears the threshold."""
        return bool(retrieved.chunks) and retrieved.relevance >= self.rag.min_relevance


def _with_relevance(vector: list[float], candidates: list[ScoredChunk]) -> list[ScoredChunk]:
    """Each candidate with its cosine similarity to the query as its relevance."""
    cosines = cosine_to(vector, candidates)
    return [
        c.model_copy(update={"relevance": float(cosine)})
        for c, cosine in zip(candidates, cosines, strict=True)
    ]
