"""An answer made of the course's own sentences: the sentences of the top passages closest
in meaning to the question, each with its source's [n] marker. It needs no language model,
so it is the answer of CPU-only installs (BYOSC_RAG__ANSWER_MODE=extractive) and the one a
generated answer that fails the checks is replaced with."""

from __future__ import annotations

import re
from dataclasses import dataclass

from byosc.domain import ScoredChunk
from byosc.ports import Embedder
from byosc.rag.degenerate import degeneracy
from byosc.rag.sentences import cosine, split_sentences, words

# The `model` of an answer made of the passages' sentences, with no model's text.
EXTRACTIVE = "extractive"
# An answer sentence this close (MiniLM cosine) to a passage's sentence says what it says:
# the cut `byosc eval answers` counts a sentence as supported with.
SUPPORT_COSINE = 0.6
MIN_ANSWER_WORDS = 3
# Passages the sentences come from: the best ones; lower ones are rarely what was asked.
PASSAGES = 3
# Sentences in an answer, and their words at most (the first is always kept).
MOST_SENTENCES = 2
MOST_WORDS = 70
# A second sentence must be about as close to the question as the best one.
SECOND_WITHIN = 0.1
# A sentence shorter than this is a heading, a label or a page header, not an answer; one
# longer than this is a slide's lines run together, or a table.
MIN_WORDS = 6
MAX_WORDS = 50
# Share of a sentence's tokens that must hold a letter: less is a table row, a figure's
# residue ("F F F . F") or a page footer's numbers.
MIN_WORDY_SHARE = 0.6
# List items that follow a chosen sentence which introduces them ("The four conditions are:").
LIST_ITEMS = 4


_LINE_UNIT = re.compile(r"(?<![.!?:,;])[ \t]*\n(?=[ \t]*[A-Z])")


@dataclass(frozen=True)
class Candidate:
    n: int  # the source's number in the prompt, 1-based
    position: int
    text: str
    closeness: float = 0.0


def extractive_answer(question: str, sources: list[ScoredChunk], embedder: Embedder) -> str:
    """The best-supported sentences of the top passages with their markers, in reading
    order; empty when the passages hold no sentence."""
    per_source = [_sentences(s.chunk.text) for s in sources[:PASSAGES]]
    candidates = [
        Candidate(n, position, text)
        for n, sentences in enumerate(per_source, start=1)
        for position, text in enumerate(sentences)
        if _reads_as_prose(text) and degeneracy(text, question) is None
    ]
    if not candidates:
        return (
            " ".join(_marked(text, 1) for text in per_source[0][:MOST_SENTENCES])
            if per_source
            else ""
        )
    vectors = embedder.embed_documents([c.text for c in candidates])
    asked = embedder.embed_query(question)
    ranked = sorted(
        (
            Candidate(c.n, c.position, c.text, cosine(asked, v))
            for c, v in zip(candidates, vectors, strict=True)
        ),
        key=lambda c: -c.closeness,
    )
    picked = _pick(ranked, per_source)
    return " ".join(_marked(c.text, c.n) for c in sorted(picked, key=lambda c: (c.n, c.position)))


def _pick(ranked: list[Candidate], per_source: list[list[str]]) -> list[Candidate]:
    best = ranked[0]
    picked = [best, *_list_after(best, per_source[best.n - 1])]
    budget = MOST_WORDS - sum(len(words(c.text)) for c in picked)
    for other in ranked[1:]:
        if len(picked) >= MOST_SENTENCES or other.closeness < best.closeness - SECOND_WITHIN:
            break
        # Overlapping chunks hold the same sentence: never say it twice.
        said = " ".join(c.text for c in picked)
        if len(words(other.text)) <= budget and degeneracy(f"{said} {other.text}", "") is None:
            picked.append(other)
            budget -= len(words(other.text))
    return picked


def _list_after(intro: Candidate, sentences: list[str]) -> list[Candidate]:
    """The list a sentence ending in a colon introduces: it says nothing without it."""
    if not intro.text.endswith(":"):
        return []
    following = sentences[intro.position + 1 : intro.position + 1 + LIST_ITEMS]
    items = [s for s in following if s.lstrip().startswith(("-", "*", "+")) or s[:1].isdigit()]
    return [Candidate(intro.n, intro.position + 1 + i, s) for i, s in enumerate(items)]


def _reads_as_prose(text: str) -> bool:
    tokens = text.split()
    wordy = sum(any(ch.isalpha() for ch in token) for token in tokens)
    return MIN_WORDS <= len(words(text)) <= MAX_WORDS and wordy >= MIN_WORDY_SHARE * len(tokens)


def _sentences(text: str) -> list[str]:
    """A passage's sentences, headings' hash marks and Markdown emphasis taken off. A line
    that starts with a capital letter after one without a final full stop starts a new
    sentence: slide bullets and PDF headers have no full stops, hard-wrapped prose rarely
    breaks before a capital."""
    units = _LINE_UNIT.split(text)
    cleaned = [
        s.lstrip("#").replace("**", "").replace("`", "").strip()
        for unit in units
        for s in split_sentences(unit)
    ]
    return [s for s in cleaned if s]


def _marked(sentence: str, n: int) -> str:
    """The sentence with its marker before the final full stop, as the prompt asks."""
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    if sentence.endswith(":"):
        return f"{sentence[:-1]} [{n}]:"
    return f"{sentence} [{n}]."


def supporting_source(answer: str, sources: list[ScoredChunk], embedder: Embedder) -> int | None:
    """The number of the top passage that backs `answer` best, when one does: some sentence
    of the answer is within SUPPORT_COSINE of one of its sentences; None when none does."""
    said = [s for s in split_sentences(answer) if len(words(s)) >= MIN_ANSWER_WORDS]
    per_source = [
        [t for t in _sentences(s.chunk.text) if _reads_as_prose(t)] for s in sources[:PASSAGES]
    ]
    flat = [(n, t) for n, texts in enumerate(per_source, start=1) for t in texts]
    if not said or not flat:
        return None
    vectors = embedder.embed_documents([*said, *(t for _, t in flat)])
    answer_vectors, source_vectors = vectors[: len(said)], vectors[len(said) :]
    best, best_n = SUPPORT_COSINE, None
    for (n, _), source in zip(flat, source_vectors, strict=True):
        closeness = max(cosine(a, source) for a in answer_vectors)
        if closeness >= best:
            best, best_n = closeness, n
    return best_n
