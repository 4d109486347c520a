"""Instruction dataset versions (the DatasetStore port), their splits and their export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from byosc.domain import SPLITS, DatasetVersion, InstructionPair


def check_pairs(version: DatasetVersion, pairs: Sequence[InstructionPair]) -> None:
    """Refuses pairs that do not belong in `version`: another course, or an ID twice."""
    strangers = {p.course_id for p in pairs} - {version.course_id}
    if strangers:
        raise ValueError(f"pairs of {sorted(strangers)} in a version of {version.course_id}")
    repeated = [pair_id for pair_id, n in Counter(p.id for p in pairs).items() if n > 1]
    if repeated:
        raise ValueError(f"pair IDs written twice: {sorted(repeated)[:5]}")


def in_reading_order(pairs: Sequence[InstructionPair]) -> list[InstructionPair]:
    """Train, validation, test; by pair ID within a split."""
    return sorted(pairs, key=lambda p: (SPLITS.index(p.split), p.id))
