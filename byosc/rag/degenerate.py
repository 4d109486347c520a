"""Whether an answer is garbage a student should never see: empty, looping, filler with no
content ("The correct answer is:"), or the question said back. A small model writes all of
these; the chat answers from the passages instead (see byosc/rag/extractive.py)."""

from __future__ import annotations

import re
from typing import Literal

from byosc.rag.repeats import repeat_cut
from byosc.rag.sentences import WORD, split_sentences, without_markers, words

Degeneracy = Literal["empty", "repeated", "filler", "restates the question"]
# Fewer words than this, markers aside, is no answer.
MIN_WORDS = 3
# A run of this many words said twice, or a sentence said twice, is a loop.
REPEAT_SPAN_WORDS = 8
# An answer whose content words are at least this share of the question's is a restatement.
RESTATED_SHARE = 0.8
# Phrases that announce, close or pad an answer without saying anything; a sentence or
# clause that is only these (and punctuation) is filler.
_FILLER = re.compile(
    r"^(?:(?:sure|okay|ok|well|yes|so)\W*)?"
    r"(?:(?:the|my|your|an?)\s+)?(?:(?:correct|right|final|best|short|complete)\s+)?"
    r"(?:answer|response)(?:\s+(?:is|would be|to (?:the|your) question(?: is)?))?\s*[:.!]*$"
    r"|^here(?:'s| is) (?:the|my|an|your) (?:answer|response)\W*$"
    r"|^i hope (?:this|that) helps\W*$|^let me know if\b.*$|^answer\s*:?$",
    re.IGNORECASE,
)
_STOPWORDS_TEXT = """
a an the is are was were be been being of in on at to for from by with and or not no
what which who whom whose when where why how does do did can could should would will
it its this that these those there their they them as into than then so if about
i you we he she his her your our my me us explain describe define mean means
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def degeneracy(answer: str, question: str) -> Degeneracy | None:
    """Why `answer` to `question` is degenerate, or None when it is not."""
    said = words(answer)
    if len(said) < MIN_WORDS:
        return "empty"
    if repeat_cut(without_markers(answer), REPEAT_SPAN_WORDS, final=True) is not None:
        return "repeated"
    if _has_repeated_line(answer):
        return "repeated"
    if _is_filler_only(answer):
        return "filler"
    if _restates(said, words(question)):
        return "restates the question"
    return None


def _clauses(answer: str) -> list[str]:
    """Sentences, and the parts of each on either side of a colon ("Answer: ...")."""
    return [
        part.strip()
        for sentence in split_sentences(without_markers(answer))
        for part in re.split(r"(?<=:)\s", sentence)
    ]


def _is_filler_only(answer: str) -> bool:
    """Nothing but filler, or an answer announced ("The correct answer is:") and never
    given. Filler beside content ("Answer: ...", "I hope this helps") is harmless."""
    clauses = _clauses(answer)
    content = [c for c in clauses if not _is_filler(c)]
    dangling = _is_filler(clauses[-1]) and clauses[-1].endswith(":")
    return dangling or len(words(" ".join(content))) < MIN_WORDS


def _is_filler(clause: str) -> bool:
    return bool(WORD.search(clause)) and bool(_FILLER.match(clause.strip(" -*")))


def _has_repeated_line(answer: str) -> bool:
    seen: set[tuple[str, ...]] = set()
    for line in answer.splitlines():
        said = tuple(words(line))
        if len(said) < 2:
            continue
        if said in seen:
            return True
        seen.add(said)
    return False


def _content(said: list[str]) -> set[str]:
    return {_stem(w) for w in said if w not in _STOPWORDS and not w.isdigit()}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _restates(said: list[str], asked: list[str]) -> bool:
    """Nothing the question did not already say: the answer's content words are (nearly)
    all the question's."""
    content = _content(said)
    if not content:
        return True
    return len(content & _content(asked)) / len(content) >= RESTATED_SHARE
