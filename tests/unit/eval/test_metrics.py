import math

import pytest

from byosc.eval.metrics import mrr_at, ndcg_at, percentile, recall_at


def test_ndcg_is_one_for_the_ideal_order_and_less_for_any_other() -> None:
    relevant = {"a": 2, "b": 1}
    assert ndcg_at(10, ["a", "b", "x"], relevant) == pytest.approx(1.0)
    swapped = ndcg_at(10, ["b", "a", "x"], relevant)
    ideal = 2 + 1 / math.log2(3)
    assert swapped == pytest.approx((1 + 2 / math.log2(3)) / ideal)
    assert ndcg_at(1, ["x", "a"], relevant) == 0.0


def test_recall_counts_the_relevant_passages_found_within_k() -> None:
    relevant = {"a": 1, "b": 1}
    assert recall_at(1, ["a", "b"], relevant) == 0.5
    assert recall_at(5, ["x", "b", "a"], relevant) == 1.0
    assert recall_at(5, ["x"], {}) == 0.0


def test_mrr_is_the_inverse_rank_of_the_first_relevant_passage() -> None:
    assert mrr_at(10, ["x", "y", "a"], {"a": 1}) == pytest.approx(1 / 3)
    assert mrr_at(2, ["x", "y", "a"], {"a": 1}) == 0.0


def test_percentile_uses_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
