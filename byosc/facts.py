"""Facts mined from course chunks, without a model: definitions, lists and figure captions.

A fact is a statement a student can be asked about, with its subject (the term), its answer
(the defining part, the list items or the caption) and the chunk it came from. Chunks are
cut from longer text, so a sentence or list cut at either end of a chunk is skipped.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from byosc.domain import SLIDE_DECK, Chunk
from byosc.text import content_words, plain, sentences
from byosc.text_blocks import Block, blocks_of

FactKind = Literal["definition", "list", "figure"]

MIN_DEFINITION_WORDS = 3  # content words in a sentence's defining part: less says nothing
MIN_LABEL_WORDS = 2  # the same for "Term: meaning" bullets, whose term gives context
MAX_SUBJECT_WORDS = 7
MAX_ANSWER_WORDS = 30
MIN_LIST_ITEMS = 3
MAX_ITEM_WORDS = 14
SAME_STATEMENT_OVERLAP = 0.8

_IS = re.compile(r"^(?P<subject>[^;:]+?)\s+(?:is|are)\s+(?P<answer>(?:a|an|the)\s.+)$")
_REFERS = re.compile(r"^(?P<subject>[^;:]+?)\s+refers?\s+to\s+(?P<answer>.+)$")
_LABEL = re.compile(r"^(?P<term>[^:()]{1,50}?)\s*(?:\([^)]*\))?\s*:\s+(?P<answer>\S.+)$")
_INTRO = re.compile(r"^(?:The |These )?(?P<subject>.+?)\s+(?:are|is|include|includes):$")
_FIGURE = re.compile(
    r"^(?P<label>(?:Figure|Fig\.|Table)\s+\d+(?:\.\d+)*)\s*[:.]\s+(?P<caption>.+)$"
)
_NOT_A_SUBJECT = re.compile(
    r"^(?:it|this|that|these|those|there|they|he|she|we|you|each|every|one|some|such|example|"
    r"for example|worked example|notes?|here|what|which)(?:\s|$)|^(?:new|next|other|same)\s"
    r"|\b(?:is|are|that|which|when|if|was|were|has|have)\b|\d",
    re.IGNORECASE,
)
_NUMBER_WORDS = "two three four five six seven eight nine ten"
_COUNTS = {word: n for n, word in enumerate(_NUMBER_WORDS.split(), start=2)}


class Fact(BaseModel):
    kind: FactKind
    subject: str
    statement: str
    answer: str
    items: list[str] = []
    context: str | None = None  # the heading or list the fact was found under
    labelled: bool = False  # a "Term: meaning" bullet: the term alone may need its context
    chunk: Chunk

    @property
    def key(self) -> str:
        return subject_key(self.subject)


def mine_facts(chunk: Chunk) -> list[Fact]:
    """The facts one chunk states completely, in reading order."""
    blocks = blocks_of(chunk)
    heading = (chunk.heading or "").split(" > ")[-1] or None
    facts: list[Fact] = []
    for position, block in enumerate(blocks):
        first, last = position == 0, position == len(blocks) - 1
        if block.kind == "heading":
            heading = block.text
        elif block.kind == "caption":
            facts.extend(_figure(chunk, block.text) if not last or _ends(block.text) else [])
        elif block.kind == "paragraph":
            for sentence in _whole_sentences(block.text, first, last):
                facts.extend(_definition(chunk, sentence, heading))
        else:
            intro = _intro(blocks[position - 1]) if position else None
            facts.extend(_list_facts(chunk, block, intro, heading, first, last))
    return facts


def same_fact(a: Fact, b: Fact) -> bool:
    """Same subject, or statements that say nearly the same thing (overlapping chunks)."""
    if a.kind == b.kind and a.key == b.key:
        return True
    words_a, words_b = set(content_words(a.statement)), set(content_words(b.statement))
    shared = len(words_a & words_b) / max(1, min(len(words_a), len(words_b)))
    return shared >= SAME_STATEMENT_OVERLAP


def distinct_facts(facts: list[Fact]) -> list[Fact]:
    kept: list[Fact] = []
    for fact in facts:
        if not any(same_fact(fact, other) for other in kept):
            kept.append(fact)
    return kept


def subject_key(subject: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", plain(subject).lower())
    text = re.sub(r"^(?:a|an|the)\s+", "", text.strip())
    return " ".join(w.removesuffix("s") for w in re.findall(r"[\w'-]+", text))


def _whole_sentences(text: str, first: bool, last: bool) -> list[str]:
    found = sentences(text)
    if first and found and not found[0][:1].isupper() and found[0][:1] not in "*`(":
        found = found[1:]  # the chunk starts mid-sentence
    if last and found and not _ends(found[-1]):
        found = found[:-1]  # the chunk ends mid-sentence
    return found


def _ends(text: str) -> bool:
    return bool(re.search(r"[.!?:][\"'”’)*`]*$", text.strip()))


def _definition(chunk: Chunk, sentence: str, context: str | None) -> list[Fact]:
    text = plain(sentence).rstrip(".")
    match = _IS.match(text) or _REFERS.match(text)
    if match is None:
        return []
    subject = match.group("subject").split(",")[0].strip()
    answer = _core(match.group("answer"))
    if not _good_subject(subject) or len(content_words(answer)) < MIN_DEFINITION_WORDS:
        return []
    return [
        Fact(
            kind="definition",
            subject=subject,
            statement=plain(sentence),
            answer=answer,
            context=context,
            chunk=chunk,
        )
    ]


def _label(chunk: Chunk, item: str, context: str | None) -> list[Fact]:
    match = _LABEL.match(plain(item))
    if match is None or not _good_subject(match.group("term"), label=True):
        return []
    answer = _core(match.group("answer").rstrip(".;"))
    if len(content_words(answer)) < MIN_LABEL_WORDS:
        return []
    return [
        Fact(
            kind="definition",
            subject=match.group("term"),
            statement=plain(item),
            answer=answer,
            context=context,
            labelled=True,
            chunk=chunk,
        )
    ]


def _good_subject(subject: str, label: bool = False) -> bool:
    stripped = re.sub(r"^(?:A|An|The)\s+", "", subject)
    words = re.sub(r"\([^)]*\)", "", stripped).split()
    if not words or len(words) > (5 if label else MAX_SUBJECT_WORDS):
        return False
    return not _NOT_A_SUBJECT.search(stripped) and subject[0].isupper()


def _core(answer: str) -> str:
    """The defining part: up to a semicolon, at most MAX_ANSWER_WORDS words."""
    core = sentences(answer.split(";")[0])[0].rstrip(".")
    words = core.split()
    if len(words) <= MAX_ANSWER_WORDS:
        return core
    clipped = " ".join(words[:MAX_ANSWER_WORDS])
    return clipped.rsplit(",", 1)[0] if "," in clipped else clipped


def _intro(block: Block) -> str | None:
    if block.kind == "heading":
        return block.text
    found = sentences(block.text) if block.kind == "paragraph" else []
    return found[-1] if found and found[-1].endswith(":") else None


def _list_facts(
    chunk: Chunk, block: Block, intro: str | None, heading: str | None, first: bool, last: bool
) -> list[Fact]:
    slides = chunk.media_type == SLIDE_DECK
    items = [i for i in block.items if slides or _ends(i) or not last or i is not block.items[-1]]
    if first and items and items[0][:1].islower():
        items = items[1:]
    context = _list_subject(intro) or heading
    facts = [f for item in items for f in _label(chunk, item, context)]
    facts += [f for item in items for s in sentences(item) for f in _definition(chunk, s, context)]
    complete = intro is not None and items == block.items and _count_matches(intro, items)
    if complete and not (last and not slides and block.items[-1].endswith((";", ","))):
        facts.extend(_list_fact(chunk, items, intro or "", heading, facts))
    return facts


def _list_fact(
    chunk: Chunk, items: list[str], intro: str, heading: str | None, labels: list[Fact]
) -> list[Fact]:
    terms = [f.subject for f in labels if f.statement in {plain(i) for i in items}]
    answers = terms if len(terms) == len(items) else [plain(i).rstrip(".;") for i in items]
    too_long = any(len(a.split()) > MAX_ITEM_WORDS or ";" in a for a in answers)
    if len(answers) < MIN_LIST_ITEMS or too_long:
        return []
    subject = _list_subject(intro) or heading or intro
    statement = plain(" ".join([intro, *items]))
    return [
        Fact(
            kind="list",
            subject=subject,
            statement=statement,
            answer="; ".join(answers),
            items=answers,
            context=intro if intro.endswith(":") else heading,
            chunk=chunk,
        )
    ]


def _list_subject(intro: str | None) -> str | None:
    match = _INTRO.match(plain(intro or ""))
    if match is None or len(match.group("subject").split()) > 10:
        return None
    subject = match.group("subject")
    return None if _NOT_A_SUBJECT.match(subject) else subject


def _count_matches(intro: str, items: list[str]) -> bool:
    said = [_COUNTS[w] for w in re.findall(r"[a-z]+", intro.lower()) if w in _COUNTS]
    return not said or said[-1] == len(items)


def _figure(chunk: Chunk, caption: str) -> list[Fact]:
    match = _FIGURE.match(plain(caption))
    if match is None:
        return []
    answer = sentences(match.group("caption"))[0].rstrip(".")
    return [
        Fact(
            kind="figure",
            subject=match.group("label"),
            statement=plain(caption),
            answer=answer,
            context=chunk.title,
            chunk=chunk,
        )
    ]
