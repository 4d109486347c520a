"""Where a generated answer starts repeating itself, and where to end it instead: a small
model loops ("The cycle is a cycle of a cycle...") until its token cap."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
# A sentence ends at . ! ? or : before a space, at a blank line, or where a list item or
# heading starts; a single line break inside a sentence (hard-wrapped text) does not end it,
# nor does the full stop of a list item's number ("2. Hold and wait").
_SENTENCE_END = re.compile(
    r"(?<!^\d)(?<!^\d\d)(?<!\n\d)(?<!\n\d\d)[.!?:](?=\s)|\n[ \t]*\n"
    r"|\n(?=[ \t]*(?:[-*+#]|\d+[.)]))"
)
_CLAUSE_END = re.compile(r"[,;:](?=\s)")
# A repeated sentence shorter than this ("Yes.") is not a loop.
MIN_SENTENCE_WORDS = 3


def repeat_cut(text: str, span_words: int, *, final: bool) -> int | None:
    """Where to end `text`, which starts repeating itself at the first run of `span_words`
    words, or the first sentence of MIN_SENTENCE_WORDS words or more, that it already said
    (case and punctuation aside); None: it does not repeat. The end is the start of the
    sentence the repeat begins in (see `_sentence_start`), so an answer ends on a full stop,
    unless that would leave nothing. Unless `final`, a word or sentence that may go on
    counts only once complete. `span_words` 0: never cut."""
    if span_words <= 0:
        return None
    words = [(m.start(), m.group().lower()) for m in _WORD.finditer(text)]
    if words and not final and words[-1][0] + len(words[-1][1]) == len(text):
        words.pop()
    starts = [_first_repeated_span(words, span_words), _first_repeated_sentence(text, final)]
    found = [at for at in starts if at is not None]
    if not found:
        return None
    repeat = min(found)
    start = _sentence_start(text, repeat)
    if _WORD.search(text, 0, start):
        return start
    # The first sentence repeats itself: end it at its last clause before the repeat.
    clauses = [m.start() for m in _CLAUSE_END.finditer(text) if m.end() <= repeat]
    return clauses[-1] if clauses else repeat


def settled_length(text: str, span_words: int) -> int:
    """How much of `text` no later text can cut: what lies before the sentence (see
    `_sentence_start`) of the earliest word a repeat yet to come may begin with, one of the
    last `span_words` - 1 complete words (a sentence that may still repeat is shorter than
    a span, so it begins among them too)."""
    complete = [m.start() for m in _WORD.finditer(text) if m.end() < len(text)]
    open_words = max(span_words, MIN_SENTENCE_WORDS) - 1
    if len(complete) <= open_words:
        return 0
    start = _sentence_start(text, complete[len(complete) - open_words])
    return start if _WORD.search(text, 0, start) else 0


def _sentence_start(text: str, position: int) -> int:
    """The start of the sentence `position` lies in, or of the sentences before it that
    end with a colon ("The four conditions are:"): an answer must not end on one."""
    ends = [0, *(m.end() for m in _SENTENCE_END.finditer(text) if m.end() <= position)]
    start = ends.pop()
    while ends and text[:start].rstrip().endswith(":") and _WORD.search(text, 0, ends[-1]):
        start = ends.pop()
    return start


def _first_repeated_span(words: list[tuple[int, str]], size: int) -> int | None:
    seen: set[tuple[str, ...]] = set()
    for i in range(len(words) - size + 1):
        span = tuple(word for _, word in words[i : i + size])
        if span in seen:
            return words[i][0]
        seen.add(span)
    return None


def _first_repeated_sentence(text: str, final: bool) -> int | None:
    seen: set[tuple[str, ...]] = set()
    start = 0
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    for end in [*ends, len(text)] if final else ends:
        sentence = tuple(_WORD.findall(text[start:end].lower()))
        first = _WORD.search(text, start, end)
        start = end
        if len(sentence) < MIN_SENTENCE_WORDS or first is None:
            continue
        if sentence in seen:
            return first.start()
        seen.add(sentence)
    return None
