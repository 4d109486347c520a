"""Retrieval for chat and search: embed the query, search the course (dense, BM25 or both
fused in the engine), rerank, and judge whether the best chunk is relevant at all."""

from __future__ import annotations

from dataclasses import dataclass

from byosc.domain import ScoredChunk
from byosc.ports import Embedder, SearchIndex
from byosc.rag.rerank import Reranker, cosine_to, mmr
from byosc.settings import RagSettings


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
    ) -> None:
        self.embedder = embedder
        self.index = index
        self.rag = rag
        self.reranker = reranker

    def retrieve(self, course_id: str, query: str, limit: int) -> Retrieved:
        """The course's `limit` best chunks for the query, by the settings' mode and reranking."""
        vector = self.embedder.embed_query(query)
        depth = max(limit, self.rag.candidates)
        candidates = self.index.search(
            course_id, vector, query, depth, mode=self.rag.mode, with_vectors=True
        )
        if not candidates:
            return Retrieved(chunks=[], relevance=0.0)
        cosines = cosine_to(vector, candidates)
        relevance = float(cosines.max())
        candidates = [
            c.model_copy(update={"relevance": float(cosine)})
            for c, cosine in zip(candidates, cosines, strict=True)
        ]
        if self.reranker is not None:
            candidates = self.reranker.rerank(query, candidates)
        lambda_ = self.rag.mmr_lambda
        chosen = mmr(candidates, limit, lambda_) if lambda_ is not None else candidates[:limit]
        chunks = [c.model_copy(update={"vector": None}) for c in chosen]
        return Retrieved(chunks=chunks, relevance=relevance)

    def covers(self, retrieved: Retrieved) -> bool:
        """Whether the material plausibly answers: the best chunk clears the threshold."""
        return bool(retrieved.chunks) and retrieved.relevance >= self.rag.min_relevance
