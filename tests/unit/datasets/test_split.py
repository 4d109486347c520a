from collections import Counter

import pytest

from byosc.datasets.split import assign_splits, document_splits
from byosc.instructions.models import SPLITS, InstructionPair


def _pair(doc: str, key: str, page: int) -> InstructionPair:
    return InstructionPair(
        id=f"{doc}-{key}",
        course_id="cs101",
        document_id=doc,
        chunk_id=f"{doc}-chunk-{page}",
        filename=f"{doc}.pdf",
        page=page,
        task="qa",
        question=f"Question {key} about {doc}?",
        answer=f"Answer {key}.",
        generator="extractive",
    )


def _pairs(sizes: dict[str, int]) -> list[InstructionPair]:
    """Documents of `sizes` pairs each, three pairs a page."""
    return [_pair(doc, str(n), n // 3 + 1) for doc, size in sizes.items() for n in range(size)]


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


def _deck(doc: str, pages: int, per_page: int = 2) -> list[InstructionPair]:
    """A document with `per_page` pairs on each of its pages, as one slide deck gives."""
    return [
        _pair(doc, f"p{page}-{n}", page) for page in range(1, pages + 1) for n in range(per_page)
    ]


def _splits_per_page(pairs: list[InstructionPair]) -> dict[tuple[str, int | None], set[str]]:
    found: dict[tuple[str, int | None], set[str]] = {}
    for pair in pairs:
        found.setdefault((pair.document_id, pair.page), set()).add(pair.split)
    return found


@pytest.mark.parametrize("pages", [3, 7, 20, 55, 122])
@pytest.mark.parametrize("seed", range(4))
def test_a_course_of_one_deck_always_gets_a_held_out_split_and_no_page_in_two(
    pages: int, seed: int
) -> None:
    split = assign_splits(_deck("deck", pages), seed=seed)
    assert set(Counter(p.split for p in split)) == set(SPLITS)
    assert all(len(splits) == 1 for splits in _splits_per_page(split).values())


def test_a_deck_is_split_in_runs_of_consecutive_pages() -> None:
    split = assign_splits(_deck("deck", 40), seed=1)
    page_split = {page: splits.pop() for (_, page), splits in _splits_per_page(split).items()}
    runs = [range(start, start + 4) for start in range(1, 41, 4)]  # 40 pages, 10 runs
    assert all(len({page_split[page] for page in run}) == 1 for run in runs)
    shares = Counter(p.split for p in split)
    assert shares["train"] == 64  # 8 of 10 runs, 2 pairs a page


def test_a_recording_alone_is_split_by_time_ranges() -> None:
    pairs = [
        p.model_copy(update={"page": None, "start_s": 60.0 * (p.page or 0)})
        for p in _deck("lecture.mp3", 30)
    ]
    split = assign_splits(pairs, seed=2)
    assert set(Counter(p.split for p in split)) == set(SPLITS)
    by_time: dict[float | None, set[str]] = {}
    for pair in split:
        by_time.setdefault(pair.start_s, set()).add(pair.split)
    assert all(len(splits) == 1 for splits in by_time.values())


def test_a_course_of_enough_documents_is_split_by_document_and_fewer_by_page() -> None:
    three = assign_splits(_deck("a", 10) + _deck("b", 10) + _deck("c", 10), seed=0)
    assert all(len(splits) == 1 for splits in _by_document(three).values())
    two = assign_splits(_deck("a", 10) + _deck("b", 10), seed=0)
    assert set(Counter(p.split for p in two)) == set(SPLITS)
    by_pages = assign_splits(_deck("a", 10) + _deck("b", 10) + _deck("c", 10), min_documents=4)
    assert any(len(splits) > 1 for splits in _by_document(by_pages).values())


def test_pages_of_an_unchanged_deck_keep_their_split_when_a_document_is_added() -> None:
    first = assign_splits(_deck("deck", 55), seed=5)
    second = assign_splits(
        _deck("deck", 55) + _deck("handout", 8), seed=5, previous=document_splits(first)
    )
    before = {p.id: p.split for p in first}
    assert all(before[p.id] == p.split for p in second if p.document_id == "deck")
    assert all(len(splits) == 1 for splits in _splits_per_page(second).values())


def test_a_course_that_shrank_to_one_document_all_in_train_gets_a_held_out_split() -> None:
    all_train = document_splits(_deck("deck", 20))  # every pair's split is train
    split = assign_splits(_deck("deck", 20), previous=all_train)
    assert {"validation", "test"} <= {p.split for p in split}


def test_a_document_of_one_page_cannot_be_held_out_and_stays_in_train() -> None:
    split = assign_splits(_deck("one-slide", 1, per_page=4))
    assert {p.split for p in split} == {"train"}
