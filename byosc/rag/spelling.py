"""Spelling correction of search queries against a course's own words.

Students type "diffrence", "algoritm", "page tabel": BM25 matches none of these, so the
lexical half of a hybrid search is lost exactly on the questions that need it. A query word
the course's BM25 index does not hold is replaced by the course word closest to it:

- only words of 5 letters or more are touched (short words are abbreviations and names
  more often than typos), within Damerau-Levenshtein distance 1, or 2 from 8 letters on;
- the nearest word wins, then the most frequent in the course, then the first in order;
- a word the course's index already holds (compared as BM25 terms, so "processes" is known
  when the course says "process"), a word of SymSpell's English dictionary (82,765 words
  from Google Books n-grams that are also in SCOWL: "processor" is not a misspelt
  "process", only absent from the course) and a word with nothing close are left alone.

These limits were fixed before measuring, not tuned. Candidates are found through a
deletion-neighbourhood index (as in SymSpell): every course word is stored under the
strings made by deleting up to 2 of its letters, as 64-bit hashes in one sorted array: a
course of 30,000 distinct words takes about 14 MB and 3 s to build on one core, and a
query's unknown word a few binary searches (under 1 ms); distances are then checked
exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from itertools import combinations

import numpy as np

# Letters only: digits, code and punctuation are never corrected.
WORD = re.compile(r"[^\W\d_]+")
SHORTEST_CORRECTED = 5
TWO_EDITS_FROM = 8


def allowed_distance(length: int) -> int:
    """How many edits a query word of this length may be corrected by."""
    if length >= TWO_EDITS_FROM:
        return 2
    return 1 if length >= SHORTEST_CORRECTED else 0


def osa_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance without repeated edits of a substring (optimal string
    alignment): insertions, deletions, substitutions and swaps of neighbours."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


def deletions(word: str, depth: int) -> set[str]:
    """The word and every string made by deleting up to `depth` of its letters."""
    found = {word}
    for n in range(1, min(depth, len(word)) + 1):
        for gone in combinations(range(len(word)), n):
            found.add("".join(c for i, c in enumerate(word) if i not in gone))
    return found


class Speller:
    """Corrects query words to the words of one body of text (a course)."""

    def __init__(self, frequencies: Counter[str], known: Callable[[str], bool]) -> None:
        """`frequencies`: the course's words (lowercase) and how often each occurs; `known`:
        whether a query word is already matched by the course's lexical index."""
        self.known = known
        self.words = sorted(frequencies)
        self.frequency = np.array([frequencies[w] for w in self.words], dtype=np.int64)
        keys: list[int] = []
        owners: list[int] = []
        for n, word in enumerate(self.words):
            # The longest query a word can be a correction of is 2 letters longer; a word
            # short enough that no query of 5+ letters reaches it is left out.
            depth = allowed_distance(len(word) + 2)
            if depth == 0:
                continue
            for variant in deletions(word, depth):
                keys.append(hash(variant))
                owners.append(n)
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        self._keys = np.array(keys, dtype=np.int64)[order]
        self._owners = np.array(owners, dtype=np.int32)[order]

    def correct_word(self, word: str) -> str:
        """The course word that `word` most likely misspells, or `word` itself."""
        lowered = word.lower()
        limit = allowed_distance(len(lowered))
        if limit == 0 or not WORD.fullmatch(lowered) or self.known(lowered):
            return word
        best: tuple[int, int, str] | None = None
        for candidate in self._candidates(lowered, limit):
            distance = osa_distance(lowered, self.words[candidate])
            if distance > limit:
                continue
            key = (distance, -int(self.frequency[candidate]), self.words[candidate])
            if best is None or key < best:
                best = key
        if best is None:
            return word
        return best[2].capitalize() if word[0].isupper() else best[2]

    def correct(self, text: str) -> str:
        """The text with each misspelt word replaced; everything else kept as it was."""
        return WORD.sub(lambda m: self.correct_word(m.group(0)), text)

    def _candidates(self, word: str, limit: int) -> set[int]:
        wanted = np.array([hash(v) for v in deletions(word, limit)], dtype=np.int64)
        starts = np.searchsorted(self._keys, wanted, side="left")
        ends = np.searchsorted(self._keys, wanted, side="right")
        found: set[int] = set()
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            found.update(self._owners[start:end].tolist())
        return found


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Correctly spelt English words, from the dictionary the symspellpy package ships."""
    dictionary = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    with dictionary.open(encoding="utf-8") as lines:
        return frozenset(line.split(" ", 1)[0] for line in lines if line.strip())


def word_frequencies(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(m.group(0) for m in WORD.finditer(text.lower()))
    return counts
