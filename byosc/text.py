"""Small text helpers shared by fact mining and grading: plain text, sentences, content words."""

from __future__ import annotations

import re

_EMPHASIS = re.compile(r"\*\*|__|`|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'“])")
_WORD = re.compile(r"[a-z0-9][a-z0-9'+-]*")
_STOPWORDS_TEXT = """
    a about after all also an and any are as at be because been before being between both but by
    can cannot could did do does each either for from had has have how i if in into is
    it its itself just may might more most much must no nor not of on once one only or other
    our out over own same should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def plain(text: str) -> str:
    """Markdown emphasis and code marks removed, whitespace collapsed."""
    return " ".join(_EMPHASIS.sub("", text).split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(plain(text)) if s.strip()]


def content_words(text: str) -> list[str]:
    """Lower-cased, stemmed words that carry meaning, in order, repeats kept."""
    words = _WORD.findall(plain(text).lower().replace("’", "'"))
    return [stem(w) for w in words if w not in STOPWORDS]


def stem(word: str) -> str:
    """A light suffix strip, so "processes" matches "process" and "waiting" matches "wait"."""
    word = word.removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    if word.endswith(("ed", "es")):
        return word[:-1]  # short words: "used" and "uses" both become "use"
    return word
