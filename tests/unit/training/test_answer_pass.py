from __future__ import annotations

from byosc.training.answer_pass import length_groups


def test_prompts_of_about_the_same_length_are_read_together_longest_first() -> None:
    lengths = [484, 292, 292, 425, 214, 290, 322, 341]
    groups = length_groups(lengths, slack=0.1)
    assert groups == [[0, 3], [7, 6, 1, 2], [5], [4]]
    for group in groups:  # padding to the group's longest costs at most 10% more tokens
        held = sum(lengths[i] for i in group)
        assert lengths[group[0]] * len(group) <= 1.1 * held


def test_equal_lengths_make_one_group_and_no_slack_splits_every_other_length() -> None:
    assert length_groups([60, 60, 60, 60], slack=0.0) == [[0, 1, 2, 3]]
    assert length_groups([60, 61, 60], slack=0.0) == [[1], [0, 2]]
