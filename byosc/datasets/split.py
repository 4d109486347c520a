"""Train/validation/test splits by document, or by page range in a course of few documents,
so no page is in two splits.

Pairs from one document share wording, terms and answers; splitting pairs at random would
put near-copies of test questions in the training data. So pairs are split in whole units:

1. Units. A course with at least `min_documents` documents (three by default: one for
   each split) is split by document: every pair of a document goes to the document's
   split. A course with fewer (one lecture deck, one handout) is split by page range
   instead: each document's places (its pages; a recording's start times; a chunk, for a
   document that has neither) are cut in order into RANGES_PER_DOCUMENT runs of
   consecutive places (one place each when it has fewer), and a run is a unit. Every pair
   of a page is in its page's run, so a page is never in two splits. (A pair names its
   chunk by ID only, which says nothing of reading order: runs of chunks keep each chunk
   whole but are not neighbours.)
2. Units are ordered by a hash of seed and unit key (deterministic, no RNG state), then
   cut where the running share of pairs passes each split's fraction.
3. A course with at least three units gets at least one validation and one test unit
   (unless that split's fraction is 0), taken from the end of that order.
4. Stability: a unit that was in `previous` (what `document_splits` read off the version
   before) keeps its split: a document by its ID, a page run by its first page found
   there. Document IDs are content hashes, so this holds exactly while the file is
   unchanged; a changed file is a new document and is placed afresh, and so is a document
   whose page runs sat in several splits once its course has grown to be split by
   document (it cannot keep them all as one unit). Stability gives way
   only where keeping every unit would leave a split with a share empty (a course that
   shrank to one document that was all in train): then the last unit in the order moves.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from byosc.domain import SPLITS, InstructionPair, Split

DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
RANGES_PER_DOCUMENT = 10  # a run is then about a tenth of a document, the held-out shares
_HELD_OUT: tuple[Split, ...] = ("test", "validation")

Place = tuple[int, float, str]  # page, start time or chunk ID: a pair's place, sortable


def assign_splits(
    pairs: Sequence[InstructionPair],
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    seed: int = 0,
    previous: Mapping[str, Split] | None = None,
    min_documents: int = len(SPLITS),
) -> list[InstructionPair]:
    """The pairs, in their order, each with its unit's split."""
    _check(fractions)
    by_document = len({p.document_id for p in pairs}) >= min_documents
    unit_of = {p.id: p.document_id for p in pairs} if by_document else _page_runs(pairs)
    counts = Counter(unit_of[p.id] for p in pairs)
    order = sorted(counts, key=lambda unit: _rank(unit, seed))
    split_of = _cut(order, counts, fractions)
    kept = _kept(pairs, unit_of, previous or {}, by_document)
    split_of.update(kept)
    if len(order) >= len(SPLITS):
        wanted = [s for s, f in zip(SPLITS, fractions, strict=True) if s in _HELD_OUT and f > 0]
        _fill(wanted, order, split_of, pinned=kept.keys())
    return [p.model_copy(update={"split": split_of[unit_of[p.id]]}) for p in pairs]


def document_splits(pairs: Iterable[InstructionPair]) -> dict[str, Split]:
    """What a written version's splits were: the `previous` of the next one. A document
    all in one split is keyed by its ID; every place is keyed too (`place_key`), for
    documents split by page range."""
    found: dict[str, set[Split]] = {}
    places: dict[str, Split] = {}
    for pair in pairs:
        found.setdefault(pair.document_id, set()).add(pair.split)
        places[place_key(pair)] = pair.split
    whole = {doc: next(iter(splits)) for doc, splits in found.items() if len(splits) == 1}
    return {**places, **whole}


def place_key(pair: InstructionPair) -> str:
    page, start_s, chunk_id = _place(pair)
    return f"{pair.document_id}#{page}:{start_s}:{chunk_id}"


def _place(pair: InstructionPair) -> Place:
    """Pages first, then times, then chunks: pages and times sort in reading order; a
    chunk ID (no page, no time: Markdown) only keeps a chunk's pairs together."""
    if pair.page is not None:
        return (pair.page, 0.0, "")
    if pair.start_s is not None:
        return (0, pair.start_s, "")
    return (0, 0.0, pair.chunk_id)


def _page_runs(pairs: Sequence[InstructionPair]) -> dict[str, str]:
    """Each pair's unit: the run of consecutive places of its document it falls in."""
    places: dict[str, set[Place]] = {}
    for pair in pairs:
        places.setdefault(pair.document_id, set()).add(_place(pair))
    run_of: dict[tuple[str, Place], str] = {}
    for doc, found in places.items():
        ordered = sorted(found)
        runs = min(RANGES_PER_DOCUMENT, len(ordered))
        for n, place in enumerate(ordered):
            run = n * runs // len(ordered)
            run_of[doc, place] = f"{doc}#run{run}"
    return {p.id: run_of[p.document_id, _place(p)] for p in pairs}


def _kept(
    pairs: Sequence[InstructionPair],
    unit_of: Mapping[str, str],
    previous: Mapping[str, Split],
    by_document: bool,
) -> dict[str, Split]:
    """Units that keep their earlier split: by document ID, or by the first of a run's
    places that the earlier version had."""
    kept: dict[str, Split] = {}
    for pair in sorted(pairs, key=_place):
        unit = unit_of[pair.id]
        key = pair.document_id if by_document else place_key(pair)
        if unit not in kept and key in previous:
            kept[unit] = previous[key]
    return kept


def _rank(document_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}\n{document_id}".encode()).hexdigest()


def _cut(
    order: list[str], counts: Mapping[str, int], fractions: tuple[float, ...]
) -> dict[str, Split]:
    total = sum(counts.values())
    bounds = [sum(fractions[: n + 1]) for n in range(len(SPLITS))]
    split_of: dict[str, Split] = {}
    seen = 0
    for unit in order:
        # A unit's place is the middle of its pairs, so a large one lands where most of
        # its pairs fall.
        middle = (seen + counts[unit] / 2) / total
        seen += counts[unit]
        split_of[unit] = next(
            (s for s, b in zip(SPLITS, bounds, strict=True) if middle < b), "test"
        )
    return split_of


def _fill(
    wanted: list[Split], order: list[str], split_of: dict[str, Split], pinned: Iterable[str]
) -> None:
    fixed = set(pinned)
    for needed in reversed(wanted):
        sizes = Counter(split_of.values())
        if sizes[needed]:
            continue
        movable = [u for u in reversed(order) if sizes[split_of[u]] > 1]
        donor = next((u for u in movable if u not in fixed), movable[0] if movable else None)
        if donor is not None:  # a pinned unit moves only when no other can
            split_of[donor] = needed


def _check(fractions: tuple[float, ...]) -> None:
    if len(fractions) != len(SPLITS) or any(f < 0 for f in fractions):
        raise ValueError(f"fractions must be three shares for {SPLITS}, got {fractions}")
    if not math.isclose(sum(fractions), 1.0, abs_tol=1e-9):
        raise ValueError(f"fractions must add up to 1, got {sum(fractions)}")
