"""Query spelling correction against a course's own words."""

from __future__ import annotations

from collections import Counter

import pytest

from byosc.rag.spelling import (
    Speller,
    allowed_distance,
    deletions,
    english_words,
    osa_distance,
    word_frequencies,
)

COURSE = (
    "The banker's algorithm decides whether granting a request leaves the system safe. "
    "A page table maps pages to frames; a two-level page table pages the table itself. "
    "Belady's anomaly: with FIFO, more frames can mean more page faults. "
    "Thrashing: a process spends more time paging than executing. "
    "Thrashing is cured by giving the process its working set. "
    "A label names a table row. Threads share the process's address space."
)


def speller(text: str = COURSE, extra_known: frozenset[str] = frozenset()) -> Speller:
    frequencies = word_frequencies([text])
    return Speller(frequencies, lambda word: word in frequencies or word in extra_known)


def test_distance_counts_a_swap_of_neighbours_as_one_edit() -> None:
    assert osa_distance("tabel", "table") == 1
    assert osa_distance("algoritm", "algorithm") == 1
    assert osa_distance("proccess", "process") == 1
    assert osa_distance("kitten", "sitting") == 3
    assert osa_distance("", "abc") == 3


def test_longer_words_may_be_corrected_by_more_edits() -> None:
    assert [allowed_distance(n) for n in (3, 4, 5, 7, 8, 12)] == [0, 0, 1, 1, 2, 2]


def test_deletions_reach_the_depth_asked_for() -> None:
    assert deletions("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert "a" in deletions("abc", 2)


def test_a_misspelt_word_becomes_the_course_word() -> None:
    fixer = speller()
    assert fixer.correct("banker algoritm is it safe") == "banker algorithm is it safe"
    assert fixer.correct("why a two level page tabel") == "why a two level page table"
    # Two edits from 8 letters on.
    assert fixer.correct("what is thrashng") == "what is thrashing"
    assert fixer.correct("belady anomoly") == "belady anomaly"


def test_the_most_frequent_of_equally_close_words_wins() -> None:
    # "tabel" is one edit from both "table" (5 times in the course) and "label" (once).
    frequencies = word_frequencies([COURSE])
    assert frequencies["table"] > frequencies["label"]
    assert speller().correct_word("tabel") == "table"
    # With "label" the more frequent, it wins.
    assert speller(COURSE + " label label label label label").correct_word("tabel") == "label"


def test_known_words_are_left_alone() -> None:
    fixer = speller(extra_known=frozenset({"processor"}))
    # In the course itself.
    assert fixer.correct_word("frames") == "frames"
    # Known to the lexical index, though one edit from "process" in the course.
    assert fixer.correct_word("processor") == "processor"


def test_short_words_are_never_corrected() -> None:
    # "tabl" is one edit from "table", but 4 letters are too few to tell a typo.
    assert speller().correct("tabl safe") == "tabl safe"


def test_nothing_close_leaves_the_word_as_it_was() -> None:
    assert speller().correct("zebrafish quantum") == "zebrafish quantum"


def test_digits_case_and_punctuation_around_words_are_kept() -> None:
    assert speller().correct("Algoritm: 12 drives?") == "Algorithm: 12 drives?"


def test_an_empty_course_corrects_nothing() -> None:
    assert Speller(Counter(), lambda _word: False).correct("algoritm") == "algoritm"


@pytest.mark.parametrize("word", ["processor", "impossible", "negative", "customise"])
def test_the_english_dictionary_knows_words_a_course_may_lack(word: str) -> None:
    assert word in english_words()


@pytest.mark.parametrize("word", ["algoritm", "diffrence", "tabel", "anomoly"])
def test_the_english_dictionary_does_not_know_common_typos(word: str) -> None:
    assert word not in english_words()
