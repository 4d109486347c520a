"""The one quality gate every generated pair passes, whichever generator proposed it.

Checks run cheapest first, and each rejection names the first check that failed: empty,
too_short / too_long, not_a_question, placeholder, not_grounded, answer_repeats_question,
duplicate. Embeddings are computed once, in batches, for the candidates that reach them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from byosc.instructions.models import (
    Candidate,
    DocumentCounts,
    Generated,
    GenerationReport,
    InstructionPair,
    Rejection,
)
from byosc.instructions.settings import InstructionSettings
from byosc.ports import Embedder
from byosc.text import content_words

_OPENERS = "what which how why when where who whom whose name list define explain describe compare"
QUESTION_OPENERS = frozenset(f"{_OPENERS} complete give state summarize identify outline".split())
_PLACEHOLDER = re.compile(
    r"\[[^\]\n]*(?:_|\.\.\.|…)[^\]\n]*\]|\[[A-Z][A-Z _]+\]"  # [feature_name], [...], [TERM]
    r"|<[A-Za-z_][\w \-]{0,40}>"  # <answer>, <your question>
    r"|\{\{?\s*[A-Za-z_][\w \-]{0,40}\s*\}\}?"  # {question}, {{term}}
    r"|(?i:lorem ipsum|as an ai\b|language model|insert [\w ]{1,30} here)"
    r"|(?i:\byour (?:question|answer)\b)"
    r"|\bN/A\b|\bTODO\b|\bTBD\b|\bXXX\b"
)
_LETTER_OR_DIGIT = re.compile(r"\w")


class QualityGate:
    def __init__(self, embedder: Embedder, settings: InstructionSettings) -> None:
        self._embedder = embedder
        self._settings = settings

    def check(
        self, candidates: Sequence[Candidate], existing: Sequence[InstructionPair] = ()
    ) -> tuple[list[InstructionPair], list[Rejection]]:
        """Kept pairs, in the candidates' order, and the rest with reasons. A candidate that
        duplicates one of `existing` (pairs kept before) is rejected too."""
        rejected: list[Rejection] = []
        passed: list[Candidate] = []
        for candidate in candidates:
            reason = self.text_problem(candidate)
            if reason:
                rejected.append(rejection(candidate, reason))
            else:
                passed.append(candidate)
        answered: list[Candidate] = []
        for candidate in self._grounded(passed, rejected):
            if self.repeats_question(candidate):
                rejected.append(rejection(candidate, "answer_repeats_question"))
            else:
                answered.append(candidate)
        kept = self._distinct(answered, existing, rejected)
        return [InstructionPair.from_candidate(c) for c in kept], rejected

    def text_problem(self, candidate: Candidate) -> str | None:
        """The first check on the text alone that fails, or None."""
        question, answer = candidate.question.strip(), candidate.answer.strip()
        limits = self._settings
        if not _LETTER_OR_DIGIT.search(question) or not _LETTER_OR_DIGIT.search(answer):
            return "empty"
        if len(question) < limits.min_question_chars or len(answer) < limits.min_answer_chars:
            return "too_short"
        if len(question) > limits.max_question_chars or len(answer) > limits.max_answer_chars:
            return "too_long"
        if not is_question(question):
            return "not_a_question"
        if _PLACEHOLDER.search(question) or _PLACEHOLDER.search(answer):
            return "placeholder"
        return None

    def repeats_question(self, candidate: Candidate) -> bool:
        answer = set(content_words(candidate.answer))
        asked = answer & set(content_words(candidate.question))
        return len(asked) >= len(answer) * self._settings.max_answer_in_question

    def _grounded(self, candidates: list[Candidate], rejected: list[Rejection]) -> list[Candidate]:
        if not candidates:
            return []
        chunk_texts = list(dict.fromkeys(c.chunk.text for c in candidates))
        vectors = self._unit_vectors([c.answer for c in candidates] + chunk_texts)
        chunk_vectors = dict(zip(chunk_texts, vectors[len(candidates) :], strict=True))
        kept: list[Candidate] = []
        for candidate, answer_vector in zip(candidates, vectors, strict=False):
            overlap = lexical_overlap(candidate.answer, candidate.chunk.text)
            similarity = float(answer_vector @ chunk_vectors[candidate.chunk.text])
            if overlap < self._settings.min_lexical_overlap:
                detail = f"{overlap:.2f} of the answer's words are in the source"
                rejected.append(rejection(candidate, "not_grounded", detail))
            elif similarity < self._settings.min_chunk_similarity:
                detail = f"answer-to-source similarity {similarity:.2f}"
                rejected.append(rejection(candidate, "not_grounded", detail))
            else:
                kept.append(candidate)
        return kept

    def _distinct(
        self,
        candidates: list[Candidate],
        existing: Sequence[InstructionPair],
        rejected: list[Rejection],
    ) -> list[Candidate]:
        """Keeps the first of each group of pairs that ask and answer alike within a course;
        `existing` pairs (carried over from an earlier version) come first."""
        if not candidates:
            return []
        texts = [(p.course_id, p.question, p.answer) for p in existing]
        texts += [(c.chunk.course_id, c.question, c.answer) for c in candidates]
        vectors = self._unit_vectors([q for _, q, _ in texts] + [a for _, _, a in texts])
        questions, answers = vectors[: len(texts)], vectors[len(texts) :]
        limits = self._settings
        earlier_rows: dict[str, list[int]] = {}
        for row, (course_id, _, _) in enumerate(texts[: len(existing)]):
            earlier_rows.setdefault(course_id, []).append(row)
        kept: list[Candidate] = []
        for row, candidate in enumerate(candidates, start=len(existing)):
            earlier = earlier_rows.setdefault(candidate.chunk.course_id, [])
            alike = (questions[earlier] @ questions[row] > limits.max_question_similarity) & (
                answers[earlier] @ answers[row] > limits.max_answer_similarity
            )
            if alike.any():
                twin = texts[earlier[int(alike.argmax())]][1]
                rejected.append(rejection(candidate, "duplicate", f"same as: {twin}"))
            else:
                earlier.append(row)
                kept.append(candidate)
        return kept

    def _unit_vectors(self, texts: list[str]) -> np.ndarray:
        matrix = np.asarray(self._embedder.embed_documents(texts), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.maximum(norms, 1e-12)


def is_question(text: str) -> bool:
    first = re.match(r"[A-Za-z]+", text.strip())
    return text.rstrip().endswith("?") or bool(first and first[0].lower() in QUESTION_OPENERS)


def lexical_overlap(answer: str, source: str) -> float:
    """Share of the answer's distinct content words that occur in the source."""
    words = set(content_words(answer))
    return len(words & set(content_words(source))) / len(words) if words else 0.0


def rejection(candidate: Candidate, reason: str, detail: str = "") -> Rejection:
    return Rejection(
        reason=reason,
        detail=detail,
        question=candidate.question,
        answer=candidate.answer,
        document_id=candidate.chunk.document_id,
        chunk_id=candidate.chunk.id,
        generator=candidate.generator,
    )


def report(
    generated: Generated, kept: Sequence[InstructionPair], rejected: Sequence[Rejection]
) -> GenerationReport:
    """Counts of one run; a generator's own rejections count as generated and rejected.

    `rejected` is the gate's list; the generator's own rejections may be in it or not."""
    own = {id(r) for r in generated.rejections}
    every_rejection = [*generated.rejections, *(r for r in rejected if id(r) not in own)]
    documents: dict[str, DocumentCounts] = {}
    proposed = [c.chunk.document_id for c in generated.candidates]
    for document_id in proposed + [r.document_id for r in generated.rejections]:
        documents.setdefault(document_id, DocumentCounts()).generated += 1
    for pair in kept:
        documents.setdefault(pair.document_id, DocumentCounts()).kept += 1
    for item in every_rejection:
        documents.setdefault(item.document_id, DocumentCounts()).rejected += 1
    return GenerationReport(
        generated=len(generated.candidates) + len(generated.rejections),
        kept=len(kept),
        rejected=dict(sorted(Counter(r.reason for r in every_rejection).items())),
        per_document=documents,
    )
