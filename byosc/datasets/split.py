"""Train/validation/test splits by document, so no page is in two splits.

Pairs from one document share wording, terms and answers; splitting pairs at random would
put near-copies of test questions in the training data. So every pair of a document goes
to the document's split.

The rule:
1. Documents are ordered by a hash of seed and document ID (deterministic, no RNG state),
   then cut where the running share of pairs passes each split's fraction.
2. A course with at least three documents gets at least one validation and one test
   document (unless that split's fraction is 0), taken from the end of that order.
3. Stability: a document whose ID is in `previous` (the splits of the version before)
   keeps its split. Document IDs are content hashes, so this holds exactly while the file
   is unchanged; a changed file is a new document and is placed afresh.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from byosc.domain import SPLITS, InstructionPair, Split

DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
_HELD_OUT: tuple[Split, ...] = ("test", "validation")


def assign_splits(
    pairs: Sequence[InstructionPair],
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    seed: int = 0,
    previous: Mapping[str, Split] | None = None,
) -> list[InstructionPair]:
    """The pairs, in their order, each with its document's split."""
    _check(fractions)
    counts = Counter(p.document_id for p in pairs)
    order = sorted(counts, key=lambda doc: _rank(doc, seed))
    split_of = _cut(order, counts, fractions)
    kept = {doc: previous[doc] for doc in order if previous and doc in previous}
    split_of.update(kept)
    if len(order) >= len(SPLITS):
        wanted = [s for s, f in zip(SPLITS, fractions, strict=True) if s in _HELD_OUT and f > 0]
        _fill(wanted, order, split_of, pinned=kept.keys())
    return [p.model_copy(update={"split": split_of[p.document_id]}) for p in pairs]


def document_splits(pairs: Iterable[InstructionPair]) -> dict[str, Split]:
    """Each document's split in a written version: the `previous` of the next one."""
    return {p.document_id: p.split for p in pairs}


def _rank(document_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}\n{document_id}".encode()).hexdigest()


def _cut(
    order: list[str], counts: Mapping[str, int], fractions: tuple[float, ...]
) -> dict[str, Split]:
    total = sum(counts.values())
    bounds = [sum(fractions[: n + 1]) for n in range(len(SPLITS))]
    split_of: dict[str, Split] = {}
    seen = 0
    for doc in order:
        # A document's place is the middle of its pairs, so a large one lands where most
        # of its pairs fall.
        middle = (seen + counts[doc] / 2) / total
        seen += counts[doc]
        split_of[doc] = next((s for s, b in zip(SPLITS, bounds, strict=True) if middle < b), "test")
    return split_of


def _fill(
    wanted: list[Split], order: list[str], split_of: dict[str, Split], pinned: Iterable[str]
) -> None:
    fixed = set(pinned)
    for needed in reversed(wanted):
        sizes = Counter(split_of.values())
        if sizes[needed]:
            continue
        donor = next(
            (d for d in reversed(order) if d not in fixed and sizes[split_of[d]] > 1), None
        )
        if donor is not None:  # None: every movable document is pinned; stability wins
            split_of[donor] = needed


def _check(fractions: tuple[float, ...]) -> None:
    if len(fractions) != len(SPLITS) or any(f < 0 for f in fractions):
        raise ValueError(f"fractions must be three shares for {SPLITS}, got {fractions}")
    if not math.isclose(sum(fractions), 1.0, abs_tol=1e-9):
        raise ValueError(f"fractions must add up to 1, got {sum(fractions)}")
