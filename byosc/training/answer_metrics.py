"""How close a generated answer is to the reference: ROUGE-L F1 and embedding similarity."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from byosc.ports import Embedder


def rouge_l(reference: str, generated: str) -> float:
    """ROUGE-L F1: the longest common subsequence of lowercased words, as precision and
    recall of the generated answer against the reference."""
    ref, gen = _words(reference), _words(generated)
    if not ref or not gen:
        return float(ref == gen)
    common = _lcs_length(ref, gen)
    if common == 0:
        return 0.0
    precision, recall = common / len(gen), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def mean_rouge_l(references: Sequence[str], generated: Sequence[str]) -> float:
    return mean([rouge_l(r, g) for r, g in zip(references, generated, strict=True)])


def mean_similarity(
    embedder: Embedder, references: Sequence[str], generated: Sequence[str]
) -> float:
    """Mean cosine similarity of each generated answer's embedding to its reference's."""
    vectors = embedder.embed_documents([*references, *generated])
    count = len(references)
    return mean([_cosine(vectors[i], vectors[count + i]) for i in range(count)])


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for word in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norms if norms else 0.0
