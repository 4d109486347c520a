"""Which generated answer a student may see. It must not be degenerate (see degenerate.py):
an answer that goes wrong partway keeps its longest start that is not, cut at a sentence
end; one with no such start is replaced by the extractive answer. A stream shows only text
that passes, so what it showed is always the final answer's start. An answer must also cite
a source it was given with an [n] marker, unless it says the material does not cover the
question; the chat adds what an unmarked answer lacks after it (see RagChat)."""

from __future__ import annotations

import re

from byosc.rag.degenerate import degeneracy
from byosc.rag.sentences import markers

# An answer that declines is honest without a marker.
_DECLINES = re.compile(
    r"\b(?:do(?:es)?n[o']?t|not) (?:seem to )?(?:cover|contain|mention|say|include)"
    r"|\bnot (?:covered|mentioned|included) in\b|\bno information (?:about|on)\b",
    re.IGNORECASE,
)
# Where an answer may be cut: after a sentence's final mark and any markers that follow it.
_SENTENCE_END = re.compile(r"[.!?](?:\s*\[[\d,\s]+\])*(?=\s)")


def declines(answer: str) -> bool:
    """The answer says the material does not cover the question."""
    return bool(_DECLINES.search(answer))


def passes(answer: str, question: str) -> bool:
    return degeneracy(answer, question) is None


def marks_a_source(answer: str, sources: int) -> bool:
    """It cites one of the `sources` it was given, or honestly declines to answer."""
    return any(1 <= n <= sources for n in markers(answer)) or declines(answer)


def passing_start(text: str, question: str, *, final: bool) -> str:
    """The longest start of `text` that passes: all of it when it is `final` and passes,
    else the longest that ends at a sentence end; "" when none does. Before the end a
    sentence still being written is never shown."""
    text = text.rstrip()
    if final and passes(text, question):
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text + " ")]
    for end in reversed(ends):
        if passes(text[:end], question):
            return text[:end]
    return ""


class ShownStart:
    """A stream's view of the floor: fed the guard's safe text piece by piece, it says which
    new text may be shown (only a start that passes, so it never has to be taken back)."""

    def __init__(self, question: str) -> None:
        self.question = question
        self.text = ""
        self.shown = ""

    def feed(self, safe: str, *, final: bool = False) -> str:
        self.text += safe
        start = passing_start(self.text, self.question, final=final)
        if len(start) <= len(self.shown):
            return ""
        new, self.shown = start[len(self.shown) :], start
        return new

    @property
    def answer(self) -> str:
        return self.shown.strip()
