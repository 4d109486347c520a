"""Second-stage ordering of retrieved chunks: a cross-encoder when one is configured, and
maximal marginal relevance so the sources are not several copies of one passage."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from byosc.domain import ScoredChunk

# numpy is imported where it is used: the command line loads this module in the gateway
# image, which has no numpy.
if TYPE_CHECKING:
    import numpy as np


class Reranker(Protocol):
    """Re-scores candidates against the query; returns them best first."""

    def rerank(self, query: str, candidates: list[ScoredChunk]) -> list[ScoredChunk]: ...


class CrossEncoderReranker:
    """sentence-transformers CrossEncoder read from a local directory (no hub access)."""

    def __init__(self, model_dir: Path, device: str = "cpu") -> None:
        from sentence_transformers import CrossEncoder

        if not Path(model_dir).is_dir():
            raise FileNotFoundError(f"no cross-encoder model directory at {model_dir}")
        self._model = CrossEncoder(str(model_dir), device=device, local_files_only=True)

    def rerank(self, query: str, candidates: list[ScoredChunk]) -> list[ScoredChunk]:
        if not candidates:
            return []
        pairs = [(query, c.chunk.text) for c in candidates]
        scores = self._model.predict(pairs, show_progress_bar=False)
        rescored = [
            c.model_copy(update={"score": float(s)})
            for c, s in zip(candidates, scores, strict=True)
        ]
        return sorted(rescored, key=lambda c: c.score, reverse=True)


def cosine_to(query: Sequence[float], candidates: list[ScoredChunk]) -> np.ndarray:
    """Cosine similarity of each candidate's dense vector to the query vector."""
    import numpy as np

    if not candidates:
        return np.zeros(0)
    matrix = _unit_rows(np.array([_vector(c) for c in candidates], dtype=np.float32))
    return matrix @ _unit_rows(np.array([query], dtype=np.float32))[0]


def mmr(candidates: list[ScoredChunk], limit: int, lambda_: float) -> list[ScoredChunk]:
    """Greedy maximal marginal relevance (Carbonell & Goldstein, 1998).

    Relevance is the candidate's rank in the incoming order, scaled to [0, 1], so it works
    after any first stage (cosine, BM25, RRF or a cross-encoder); redundancy is the highest
    cosine similarity to a chunk already picked."""
    if len(candidates) <= 1 or limit <= 1:
        return candidates[:limit]
    import numpy as np

    vectors = _unit_rows(np.array([_vector(c) for c in candidates], dtype=np.float32))
    relevance = 1.0 - np.arange(len(candidates)) / len(candidates)
    similarity = vectors @ vectors.T
    picked = [0]
    remaining = list(range(1, len(candidates)))
    while remaining and len(picked) < limit:
        redundancy = similarity[np.ix_(remaining, picked)].max(axis=1)
        gains = lambda_ * relevance[remaining] - (1 - lambda_) * redundancy
        best = remaining[int(np.argmax(gains))]
        picked.append(best)
        remaining.remove(best)
    return [candidates[i] for i in picked]


def _vector(candidate: ScoredChunk) -> list[float]:
    if candidate.vector is None:
        raise ValueError("reranking needs the candidates' vectors: search with with_vectors")
    return candidate.vector


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
