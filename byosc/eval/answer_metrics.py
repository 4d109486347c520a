"""Scores of one answer: correctness against a reference (ROUGE-L F over words, MiniLM
cosine), support (share of its sentences that the passages they cite back up), citation
precision (cited passages that are gold) and whether it is degenerate.

"Supported", plainly: a sentence of the answer (markers aside, at least MIN_WORDS words) is
supported when its MiniLM cosine to some sentence of a passage it cites is at least
SUPPORT_COSINE. A sentence cites the markers it carries; one without any cites those of the
next sentence that has some (a marker at a paragraph's end covers it); one with none after
it cites nothing and is unsupported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from byosc.rag.sentences import cosine, markers, split_sentences, without_markers, words
from byosc.training.answer_metrics import rouge_l

SUPPORT_COSINE = 0.6
MIN_WORDS = 3

Embed = Callable[[Sequence[str]], list[list[float]]]


def rouge_l_f(answer: str, reference: str) -> float:
    """ROUGE-L F1 over lowercased words, markers aside (as the adapter evaluation scores)."""
    if not words(answer):
        return 0.0
    return rouge_l(without_markers(reference), without_markers(answer))


def support(answer: str, passages: dict[int, str], embed: Embed) -> float | None:
    """Share of the answer's sentences supported by the passages they cite (`passages`: the
    text of each source by its marker number); None when it has no sentence to judge."""
    sentences = [s for s in split_sentences(answer) if len(words(s)) >= MIN_WORDS]
    if not sentences:
        return None
    cited = _cited_by_sentence(sentences, passages)
    texts = sorted(
        {t for numbers in cited for n in numbers for t in _passage_sentences(passages[n])}
    )
    vectors = dict(zip(texts, embed(texts), strict=True)) if texts else {}
    said = embed([" ".join(words(s)) for s in sentences])
    supported = 0
    for vector, numbers in zip(said, cited, strict=True):
        candidates = [vectors[t] for n in numbers for t in _passage_sentences(passages[n])]
        if any(cosine(vector, c) >= SUPPORT_COSINE for c in candidates):
            supported += 1
    return supported / len(sentences)


def _cited_by_sentence(sentences: list[str], passages: dict[int, str]) -> list[list[int]]:
    own = [[n for n in markers(s) if n in passages] for s in sentences]
    cited: list[list[int]] = []
    for i, numbers in enumerate(own):
        later = next((o for o in own[i:] if o), [])
        cited.append(numbers or later)
    return cited


def _passage_sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if words(s)]


def citation_precision(cited: Sequence[str], gold: set[str]) -> float | None:
    """Share of the cited passages that are gold; None when nothing is cited."""
    unique = list(dict.fromkeys(cited))
    if not unique:
        return None
    return sum(p in gold for p in unique) / len(unique)


def embedding_cosine(answer: str, reference: str, embed: Embed) -> float:
    if not words(answer) or not words(reference):
        return 0.0
    a, b = embed([" ".join(words(answer)), reference])
    return cosine(a, b)
