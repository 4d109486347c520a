"""Grading: multiple choice by the option chosen, short answers by the reference's content
words the answer covers together with the embedding similarity of the two."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from byosc.ports import Embedder
from byosc.quiz.models import (
    GradeResult,
    NotInQuiz,
    QuestionGrade,
    Quiz,
    QuizQuestion,
    Verdict,
)
from byosc.quiz.questions import LETTERS, place
from byosc.text import content_words, plain

COVERAGE_WEIGHT = 0.5  # the rest of a short answer's score is its embedding similarity
CORRECT_AT = 0.7
PARTIAL_AT = 0.4
ITEM_COVERED_AT = 0.5  # share of a list item's content words that must appear in the answer
POINTS: dict[Verdict, float] = {"correct": 1.0, "partial": 0.5, "incorrect": 0.0}
MISSING_SHOWN = 6


def grade_answers(embedder: Embedder, quiz: Quiz, answers: dict[str, str]) -> GradeResult:
    """Grades against the quiz's own questions; an answer to a question it lacks is refused."""
    unknown = sorted(set(answers) - {q.id for q in quiz.questions})
    if unknown:
        raise NotInQuiz(f"quiz {quiz.quiz_id} has no question {', '.join(unknown)}")
    short = {
        q.id: (q.answer, answers[q.id])
        for q in quiz.questions
        if q.kind == "short_answer" and answers.get(q.id, "").strip()
    }
    similarity = _similarities(embedder, short)
    results = []
    for question in quiz.questions:
        given = answers.get(question.id, "").strip()
        if not given:
            results.append(_result(question, given, "incorrect", "No answer given."))
        elif question.kind == "multiple_choice":
            results.append(_choice(question, given))
        else:
            results.append(_short(question, given, similarity[question.id]))
    return GradeResult(
        quiz_id=quiz.quiz_id,
        course_id=quiz.course_id,
        score=sum(r.score for r in results),
        max_score=len(results),
        results=results,
    )


def chosen_option(question: QuizQuestion, given: str) -> str | None:
    """The option a student picked, by its letter ("b", "B)") or its text."""
    letter = re.fullmatch(r"\(?([A-Za-z])[).:]?", given.strip())
    if letter and (index := LETTERS.find(letter.group(1).upper())) < len(question.options):
        return question.options[index] if index >= 0 else None
    wanted = _normal(given)
    return next((o for o in question.options if _normal(o) == wanted), None)


def _choice(question: QuizQuestion, given: str) -> QuestionGrade:
    chosen = chosen_option(question, given)
    if chosen is not None and _normal(chosen) == _normal(question.answer):
        return _result(question, given, "correct", "Correct.")
    picked = f'You chose "{chosen}". ' if chosen else "That is none of the options. "
    return _result(question, given, "incorrect", picked)


def _short(question: QuizQuestion, given: str, similarity: float) -> QuestionGrade:
    covered, missing = _coverage(question.answer, given)
    # Embeddings of item lists say little about which items are named: lists go by coverage.
    weight = 1.0 if "; " in question.answer else COVERAGE_WEIGHT
    score = weight * covered + (1 - weight) * max(0.0, similarity)
    verdict: Verdict = (
        "correct" if score >= CORRECT_AT else "partial" if score >= PARTIAL_AT else "incorrect"
    )
    if verdict == "correct":
        return _result(question, given, verdict, "Correct.")
    shown = ", ".join(missing[:MISSING_SHOWN])
    lead = "Partly right." if verdict == "partial" else "Not quite."
    return _result(question, given, verdict, f"{lead} Missing: {shown}." if shown else lead)


def _coverage(reference: str, given: str) -> tuple[float, list[str]]:
    """Share of the reference covered, and what is missing: list items, else content words."""
    said = set(content_words(given))
    items = [i for i in reference.split("; ") if i.strip()]
    if len(items) > 1:
        missing = [i for i in items if _share(content_words(i), said) < ITEM_COVERED_AT]
        return 1 - len(missing) / len(items), missing
    words = list(dict.fromkeys(content_words(reference)))
    missing = [w for w in words if w not in said]
    return _share(words, said), missing


def _share(words: Sequence[str], said: set[str]) -> float:
    return sum(w in said for w in words) / len(words) if words else 0.0


def _similarities(embedder: Embedder, pairs: dict[str, tuple[str, str]]) -> dict[str, float]:
    """Question ID -> cosine similarity of reference and answer, embedded in one batch."""
    if not pairs:
        return {}
    vectors = embedder.embed_documents([text for pair in pairs.values() for text in pair])
    return {key: _cosine(vectors[2 * i], vectors[2 * i + 1]) for i, key in enumerate(pairs)}


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else 0.0


def _result(question: QuizQuestion, given: str, verdict: Verdict, lead: str) -> QuestionGrade:
    if verdict == "correct":
        feedback = f"{lead} See {place(question.citations)}."
    else:
        feedback = f'{lead} The answer is "{question.answer}". From {question.explanation}'
    return QuestionGrade(
        question_id=question.id,
        verdict=verdict,
        score=POINTS[verdict],
        given=given,
        expected=question.answer,
        feedback=feedback,
        citations=question.citations,
    )


def _normal(text: str) -> str:
    return " ".join(plain(text).lower().split()).strip(" .")
