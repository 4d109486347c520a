from collections import Counter

import pytest

from byosc.datasets.split import assign_splits, document_splits
from byosc.instructions.models import SPLITS, InstructionPair


def _pairs(sizes: dict[str, int]) -> list[InstructionPair]:
    return [
        InstructionPair(
            id=f"{doc}-{n}",
            course_id="cs101",
            document_id=doc,
            chunk_id=f"{doc}-chunk-{n // 3}",
            filename=f"{doc}.pdf",
            page=n // 3 + 1,
            task="qa",
            question=f"Question {n} about {doc}?",
            answer=f"Answer {n}.",
            generator="extractive",
        )
        for doc, size in sizes.items()
        for n in range(size)
    ]


def _by_document(pairs: list[InstructionPair]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for pair in pairs:
        found.setdefault(pair.document_id, set()).add(pair.split)
    return found


COURSE = {f"lecture-{n:02d}": 5 + (n * 7) % 11 for n in range(40)}


def test_every_pair_of_a_document_lands_in_the_same_split() -> None:
    split = assign_splits(_pairs(COURSE), seed=3)
    assert all(len(splits) == 1 for splits in _by_document(split).values())


def test_splits_follow_the_fractions_by_pair_count() -> None:
    split = assign_splits(_pairs(COURSE), seed=3)
    shares = {s: n / len(split) for s, n in Counter(p.split for p in split).items()}
    assert shares["train"] == pytest.approx(0.8, abs=0.06)
    assert shares["validation"] == pytest.approx(0.1, abs=0.06)
    assert shares["test"] == pytest.approx(0.1, abs=0.06)


def test_the_same_pairs_and_seed_give_the_same_splits_in_any_order() -> None:
    pairs = _pairs(COURSE)
    first = {p.id: p.split for p in assign_splits(pairs, seed=3)}
    again = {p.id: p.split for p in assign_splits(list(reversed(pairs)), seed=3)}
    other_seed = {p.id: p.split for p in assign_splits(pairs, seed=4)}
    assert first == again
    assert first != other_seed


def test_pairs_come_back_in_their_order_with_only_the_split_changed() -> None:
    pairs = _pairs({"a": 2, "b": 3})
    split = assign_splits(pairs)
    assert [p.model_dump(exclude={"split"}) for p in split] == [
        p.model_dump(exclude={"split"}) for p in pairs
    ]


@pytest.mark.parametrize(
    "sizes", [{"a": 4, "b": 4, "c": 4}, {"a": 100, "b": 1, "c": 1}, {"a": 1, "b": 1, "c": 90}]
)
@pytest.mark.parametrize("seed", range(5))
def test_a_small_course_gets_a_validation_and_a_test_document(
    sizes: dict[str, int], seed: int
) -> None:
    split = assign_splits(_pairs(sizes), seed=seed)
    assert set(Counter(p.split for p in split)) == set(SPLITS)


def test_a_course_of_two_documents_keeps_at_least_one_for_training() -> None:
    split = assign_splits(_pairs({"a": 3, "b": 3}))
    assert "train" in {p.split for p in split}


def test_a_split_with_no_share_gets_no_document() -> None:
    split = assign_splits(_pairs(COURSE), fractions=(0.9, 0.1, 0.0))
    assert "test" not in {p.split for p in split}


def test_unchanged_documents_keep_their_split_in_the_next_version() -> None:
    first = assign_splits(_pairs(COURSE), seed=3)
    grown = {**{d: n for d, n in COURSE.items() if d != "lecture-05"}, "new-1": 30, "new-2": 2}
    second = assign_splits(_pairs(grown), seed=3, previous=document_splits(first))
    before, after = document_splits(first), document_splits(second)
    assert all(after[doc] == before[doc] for doc in grown if doc in before)
    assert all(len(splits) == 1 for splits in _by_document(second).values())


def test_fractions_must_be_three_shares_adding_up_to_one() -> None:
    with pytest.raises(ValueError):
        assign_splits(_pairs({"a": 1}), fractions=(0.8, 0.1, 0.2))
    with pytest.raises(ValueError):
        assign_splits(_pairs({"a": 1}), fractions=(1.2, -0.1, -0.1))
