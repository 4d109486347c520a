"""ExtractiveGenerator: instruction pairs from the material's own structure, without a model.

Each fact the miner finds (a definition, a list with its introduction, a heading with its
bullets, a figure caption, a definition in a recording) becomes one question whose answer
is the source's own sentence or items, so every word of an answer is in its chunk. Facts repeated by
overlapping chunks of one document are asked once. Pages shaped like slides (a title line and
bullets, as decks exported to PDF arrive) are read as slides too (`byosc.instructions.slides`).
"""

from __future__ import annotations

from collections.abc import Sequence

from byosc.domain import SLIDE_DECK, Chunk
from byosc.facts import Fact, mine_facts
from byosc.instructions.models import Candidate, Generated, TaskType
from byosc.instructions.slides import Slide, read_slides
from byosc.instructions.slides import pairs_of as slide_pairs_of
from byosc.quiz.questions import in_sentence, term
from byosc.text import content_words, plain

Pair = tuple[TaskType, str, str]  # task, question, answer


class ExtractiveGenerator:
    name = "extractive"

    def generate(self, chunks: Sequence[Chunk]) -> Generated:
        """Pages read as slides give slide pairs instead of facts: the fact miner would
        read their title and bullets as one run-on paragraph."""
        slides = read_slides(chunks)
        # Presentation files keep the fact miner too: their lines already are bullets.
        on_slides = {s.chunk.id for s in slides if s.chunk.media_type != SLIDE_DECK}
        candidates = [
            Candidate(
                question=question,
                answer=answer,
                task=task,
                chunk=fact.chunk,
                generator="extractive",
            )
            for fact in document_facts([c for c in chunks if c.id not in on_slides])
            for task, question, answer in [pair_of(fact)]
        ]
        return Generated(candidates=candidates + _new_slide_candidates(slides, candidates))


def _new_slide_candidates(slides: list[Slide], facts: list[Candidate]) -> list[Candidate]:
    """Slide pairs that ask or answer nothing the facts' pairs already do. Overlay pages of
    a deck repeat a slide word for word: an answer already given is not given again."""
    asked = {(c.chunk.document_id, c.question) for c in facts}
    answered = {(c.chunk.document_id, _words(c.answer)) for c in facts}
    found: list[Candidate] = []
    pairs = [pair for slide in slides for pair in slide_pairs_of(slide)]
    for task, question, answer, chunk in pairs:
        said = (chunk.document_id, _words(answer))
        if (chunk.document_id, question) in asked or said in answered:
            continue
        answered.add(said)
        found.append(
            Candidate(
                question=question, answer=answer, task=task, chunk=chunk, generator="extractive"
            )
        )
    return found


def _words(text: str) -> frozenset[str]:
    return frozenset(content_words(text))


def document_facts(chunks: Sequence[Chunk]) -> list[Fact]:
    """The facts of each document once, in reading order."""
    by_document: dict[str, list[Fact]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.document_id, c.index)):
        by_document.setdefault(chunk.document_id, []).extend(mine_facts(chunk))
    return [fact for facts in by_document.values() for fact in _once(facts)]


def _once(facts: list[Fact]) -> list[Fact]:
    """Drops the copies overlapping chunks make. Not `distinct_facts`: its likeness test
    merges sibling bullets such as "First fit: use the first hole that is large enough" and
    "Best fit: use the smallest hole that is large enough"."""
    seen: set[tuple[str, str]] = set()
    kept: list[Fact] = []
    for fact in facts:
        marks = {(fact.kind, fact.key), ("statement", plain(fact.statement))}
        if not marks & seen:
            kept.append(fact)
        seen |= marks
    return kept


def pair_of(fact: Fact) -> Pair:
    """One question per fact: a second phrasing with the same answer is a near-duplicate,
    which the gate drops (in different splits it would leak test answers into training)."""
    if fact.chunk.start_s is not None:
        return _recording(fact)
    if fact.kind == "figure":
        return _caption(fact)
    if fact.kind == "list":
        return _list(fact)
    return _definition(fact)


def _definition(fact: Fact) -> Pair:
    answer = _sentence(fact.statement)
    if fact.labelled and fact.context:
        return "definition", f'In "{fact.context}", what is meant by "{fact.subject}"?', answer
    subject = in_sentence(fact.subject)
    refers = " refer" in fact.statement.removeprefix(fact.subject)[:12]
    asked = f"What does {subject} refer to?" if refers else f"What is {subject}?"
    return "definition", asked, answer


def _list(fact: Fact) -> Pair:
    items = "; ".join(fact.items) + "."
    intro = fact.context or ""
    if not intro.endswith(":"):
        return "explain", f"What are the key points about {fact.subject}?", items
    if fact.subject in intro:
        return "list", f"What are the {term(fact.subject)}?", f"{intro} {items}"
    return "list", f'Complete the list: "{intro} …"', items


def _caption(fact: Fact) -> Pair:
    return "caption", f'What does {fact.subject} in "{fact.chunk.title}" show?', fact.statement


def _recording(fact: Fact) -> Pair:
    chunk = fact.chunk
    span = f"between {clock(chunk.start_s)} and {clock(chunk.end_s or chunk.start_s)}"
    topic = in_sentence(fact.subject) if fact.kind != "list" else term(fact.subject)
    question = f'What does the lecture "{chunk.title}" say about {topic} {span}?'
    return "recording", question, _sentence(fact.statement)


def clock(seconds: float | None) -> str:
    whole = int(seconds or 0)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _sentence(statement: str) -> str:
    text = plain(statement)
    return text if text.endswith((".", "!", "?")) else f"{text}."
