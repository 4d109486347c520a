"""One fact -> one question: multiple choice with distractors from other facts, or short answer."""

from __future__ import annotations

import hashlib
import random
import re

from byosc.domain import Citation, ScoredChunk
from byosc.facts import Fact, subject_key
from byosc.quiz.distractors import Candidate, pick_distractors, ranked
from byosc.quiz.models import QuestionKind, QuizQuestion
from byosc.rag.citations import citation_of, snippet
from byosc.rag.prompt import location

DISTRACTORS = 3
SNIPPET_CHARS = 300
LETTERS = "ABCDEFGH"


def build_question(
    fact: Fact, kind: QuestionKind, source: ScoredChunk, pool: list[Fact], seed: str
) -> QuizQuestion | None:
    """None when a multiple-choice question lacks distractors: ask it as short answer instead."""
    rng = random.Random(f"{seed}|{fact.key}|{fact.statement}")
    if kind == "multiple_choice":
        choice = _multiple_choice(fact, pool, rng)
        if choice is None:
            return None
        question, answer, options = choice
    else:
        question, answer, options = _short_question(fact), fact.answer, []
    citation = citation_of(1, source, SNIPPET_CHARS)
    citation = citation.model_copy(update={"snippet": snippet(fact.statement, SNIPPET_CHARS)})
    return QuizQuestion(
        id="q-" + hashlib.sha256(f"{seed}|{kind}|{fact.statement}".encode()).hexdigest()[:10],
        kind=kind,
        question=question,
        options=options,
        answer=answer,
        explanation=f'{place([citation])}: "{fact.statement}"',
        citations=[citation],
    )


def term(subject: str) -> str:
    """A subject as an option: "A process control block (PCB)" -> "process control block (PCB)"."""
    return re.sub(r"^(?:A|An|The)\s+", "", subject)


def _short_question(fact: Fact) -> str:
    if fact.kind == "figure":
        return f'What does {fact.subject} in "{fact.chunk.title}" show?'
    if fact.kind == "list":
        return _list_question(fact)
    if fact.labelled and fact.context:
        return f'In "{fact.context}", what is meant by "{fact.subject}"?'
    return f"What is {in_sentence(fact.subject)}?"


def _list_question(fact: Fact) -> str:
    intro = fact.context or ""
    if intro.endswith(":") and fact.subject in intro:
        return f"What are the {fact.subject}?"
    if intro.endswith(":"):
        return f'Complete the list: "{intro} …"'
    return f'What points are listed under "{fact.subject}"?'


def _multiple_choice(
    fact: Fact, pool: list[Fact], rng: random.Random
) -> tuple[str, str, list[str]] | None:
    definitions = ranked(fact, [f for f in pool if f.kind == "definition"], rng)
    wrong: list[Candidate]
    if fact.kind == "definition":
        answer = term(fact.subject)
        where = f' (from "{fact.context}")' if fact.labelled and fact.context else ""
        question = f'Which term matches this description{where}: "{fact.answer}"?'
        wrong = [(term(f.subject), f) for f in definitions]
    elif fact.kind == "list":
        answer = rng.choice(fact.items)
        about = fact.subject if fact.subject in (fact.context or "") else f'"{fact.subject}"'
        question = f"Which of these is one of the {about}?"
        others = ranked(fact, [f for f in pool if f.kind == "list"], rng)
        # Terms, never list headings or figure labels: those are no answer to "which of these".
        wrong = [(item, f) for f in others for item in f.items]
        wrong += [(term(f.subject), f) for f in definitions]
        wrong = [w for w in wrong if subject_key(w[0]) not in {subject_key(i) for i in fact.items}]
    else:
        answer = fact.answer
        question = f'What does {fact.subject} in "{fact.chunk.title}" show?'
        figures = ranked(fact, [f for f in pool if f.kind == "figure"], rng)
        wrong = [(f.answer, f) for f in figures]
    distractors = pick_distractors(fact, answer, wrong, DISTRACTORS)
    if len(distractors) < DISTRACTORS:
        return None
    options = [answer, *distractors]
    rng.shuffle(options)
    return question, answer, options


def in_sentence(subject: str) -> str:
    """Lower-cases a capital that only starts the sentence: "Thrashing" but not "SRTF"."""
    first, _, rest = subject.partition(" ")
    if first in {"A", "An", "The"} or (first[1:].islower() and "'" not in first):
        first = first.lower()
    return f"{first} {rest}".strip()


def place(citations: list[Citation]) -> str:
    """Where the first citation points, as a student would look it up."""
    return location(citations[0]) if citations else "the course material"
