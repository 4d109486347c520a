"""Sentences of an answer or a passage, and the [n] markers that cite sources in them:
what the degenerate-answer check, the extractive answer and the answer evaluation read."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
WORD = re.compile(r"\w+")
# A sentence ends at . ! ? before a space (or a marker before a space), at a line break
# before a list item or heading, or at a blank line. A number's point ("2. Hold") is kept.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?:\s*\[[\d,\s]+\])*\s+(?=\S)(?<!\b\d\.\s)|\n\s*\n|\n(?=\s*(?:[-*+#]|\d+[.)]\s))"
)


def split_sentences(text: str) -> list[str]:
    """Sentences with their own markers, stripped, empty ones left out. A marker written
    after the full stop ("... stop. [2]") stays with the sentence before it."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        # markers after the full stop belong to the sentence just ended
        end = match.start() + len(match.group().rstrip()) if "[" in match.group() else match.start()
        parts.append(text[start:end])
        start = match.end()
    parts.append(text[start:])
    return [" ".join(p.split()) for p in parts if WORD.search(p)]


def markers(text: str) -> list[int]:
    """The source numbers the text cites, in the order first cited."""
    found: list[int] = []
    for match in MARKER.finditer(text):
        for number in re.findall(r"\d+", match.group(1)):
            if int(number) not in found:
                found.append(int(number))
    return found


def without_markers(text: str) -> str:
    return " ".join(re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", text)).split())


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(without_markers(text))]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Plain Python: the gateway image, which loads the chat modules, has no numpy."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
