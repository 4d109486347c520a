"""Wrong options for multiple choice: other real terms of the course, the answer's kin first.

An option is a phrase of the material: it occurs in the chunk it was mined from. It must
also be specific: a vague word or a label from elsewhere in the course ("Text", "New",
"Figure 1.2", "Summary") reads as filler and gives the answer away. The answer's siblings,
the other terms of its own list or section, are the exception: "Data" is a fair wrong
option when the answer is "Text".
"""

from __future__ import annotations

import random
import re

from byosc.facts import Fact, subject_key
from byosc.text import STOPWORDS, plain

# Section labels, content types and everyday words that name nothing of a course by
# themselves. An option made of these alone (numbers aside) is generic.
_GENERIC_TEXT = """
    agenda answer answers appendix background basic body chapter chart code common
    conclusion content contents data default definition definitions description details
    diagram done example examples exercise exercises fig figure first general goal goals
    heading image info information introduction item items key last lecture list main misc
    miscellaneous name new next note notes number objective objectives old outline overview
    page part picture question questions ready recap reference references review running
    section simple slide step string summary table term terms text title topic type types
    value waiting worked
    """
GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())
MIN_LETTERS = 3  # fewer is a stray symbol or a variable name, unless it is an acronym

Candidate = tuple[str, Fact]  # an option and the fact it was taken from


def is_generic(option: str) -> bool:
    """Too short, or made only of stop words, vague words and labels."""
    letters = re.sub(r"[^A-Za-z]", "", option)
    if len(letters) < MIN_LETTERS and not (len(letters) >= 2 and letters.isupper()):
        return True
    words = [w for w in re.findall(r"[a-z]+", plain(option).lower()) if w not in STOPWORDS]
    return all(w in GENERIC_WORDS for w in words)


def occurs_in(option: str, text: str) -> bool:
    """Whether the option is a phrase of the text, whatever its case and emphasis marks."""
    return _folded(option) in _folded(text)


def ranked(fact: Fact, candidates: list[Fact], rng: random.Random) -> list[Fact]:
    """Other facts, the closest kin first (same list, then same document), shuffled within."""
    others = [f for f in candidates if f.key != fact.key]
    rng.shuffle(others)
    return sorted(
        others,
        key=lambda f: (f.context != fact.context, f.chunk.document_id != fact.chunk.document_id),
    )


def pick_distractors(fact: Fact, answer: str, candidates: list[Candidate], limit: int) -> list[str]:
    """The first `limit` usable candidates, in order, none the same term as another."""
    seen = {subject_key(answer)}
    picked: list[str] = []
    for option, source in candidates:
        key = subject_key(option)
        if key in seen or not occurs_in(option, source.chunk.text):
            continue
        if is_generic(option) and not _siblings(fact, source):
            continue
        seen.add(key)
        picked.append(option)
        if len(picked) == limit:
            break
    return picked


def _siblings(a: Fact, b: Fact) -> bool:
    return (
        a.context is not None
        and a.context == b.context
        and (a.chunk.document_id == b.chunk.document_id)
    )


def _folded(text: str) -> str:
    return " ".join(plain(text).lower().split())
