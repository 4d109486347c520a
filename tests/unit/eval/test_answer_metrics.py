from collections.abc import Sequence

import pytest

from byosc.eval.answer_metrics import citation_precision, rouge_l_f, support


def test_rouge_l_is_one_for_the_same_words_and_zero_for_none_in_common() -> None:
    assert rouge_l_f("The TLB caches translations.", "the tlb caches translations") == 1.0
    assert rouge_l_f("Paging splits memory.", "A deadlock needs four conditions.") == 0.0


def test_rouge_l_counts_the_longest_common_subsequence_in_order() -> None:
    # LCS "a c d" is 3 of 4 words on each side: precision = recall = F = 0.75.
    assert rouge_l_f("a b c d", "a c d e") == pytest.approx(0.75)
    # The same words in reverse order share a subsequence of one word only.
    assert rouge_l_f("a b c", "c b a") == pytest.approx(1 / 3)


def test_markers_do_not_count_as_words() -> None:
    assert rouge_l_f("The TLB caches translations [1][2].", "The TLB caches translations.") == 1.0


def test_citation_precision_is_the_share_of_cited_passages_that_are_gold() -> None:
    assert citation_precision(["p1", "p2", "p1"], {"p1"}) == 0.5
    assert citation_precision(["p1"], {"p1", "p9"}) == 1.0
    assert citation_precision([], {"p1"}) is None


def _bag_of_words(texts: Sequence[str]) -> list[list[float]]:
    """Word-count vectors over a fixed vocabulary: cosine is word overlap."""
    vocabulary = ["tlb", "caches", "translations", "deadlock", "needs", "four", "conditions"]
    return [[float(text.lower().split().count(w)) for w in vocabulary] for text in texts]


PASSAGES = {
    1: "The TLB caches translations. It is small.",
    2: "A deadlock needs four conditions.",
}


def test_a_sentence_is_supported_only_by_a_passage_it_cites() -> None:
    assert support("The TLB caches translations [1].", PASSAGES, _bag_of_words) == 1.0
    assert support("The TLB caches translations [2].", PASSAGES, _bag_of_words) == 0.0


def test_a_sentence_without_a_marker_takes_the_next_ones_or_is_unsupported() -> None:
    answer = "The TLB caches translations. A deadlock needs four conditions [2]."
    assert support(answer, PASSAGES, _bag_of_words) == 0.5
    answer = "The TLB caches translations [1]. A deadlock needs four conditions."
    assert support(answer, PASSAGES, _bag_of_words) == 0.5
