"""Ranking metrics as BEIR and TREC define them (graded nDCG with log2 discount)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def ndcg_at(k: int, ranked: Sequence[str], relevant: dict[str, int]) -> float:
    gains = [relevant.get(pid, 0) for pid in ranked[:k]]
    dcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(k: int, ranked: Sequence[str], relevant: dict[str, int]) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant.keys()) / len(relevant)


def mrr_at(k: int, ranked: Sequence[str], relevant: dict[str, int]) -> float:
    for rank, pid in enumerate(ranked[:k], start=1):
        if pid in relevant:
            return 1.0 / rank
    return 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
