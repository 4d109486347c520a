"""Room left on the data directory's file system, checked before the platform writes there.

A full disk must fail a write with a reason, not kill the process doing it: Qdrant Edge
writes its segments through memory maps, and a page that cannot be backed by disk kills
the index's owner with SIGBUS (a refresh onto a full tmpfs did exactly that). So uploads,
kept originals and index writes stop while less than MIN_FREE_BYTES is free, and /readyz
reports the same threshold.
"""

from __future__ import annotations

import os
from pathlib import Path

from byosc.errors import ByoscError

# Room for the largest write the platform makes at once (an upload, an index batch) with a
# margin for the files others write meanwhile.
MIN_FREE_BYTES = 64 * 1024 * 1024
MIB = 1024 * 1024


class StorageFull(ByoscError):
    """The data directory's file system has too little room for the write."""


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged process may still write on the file system holding `path`
    (or its nearest existing parent)."""
    existing = Path(path)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    stats = os.statvfs(existing)
    return stats.f_bavail * stats.f_frsize


def ensure_room(path: Path, writing: int = 0, minimum: int | None = None) -> None:
    """Raises StorageFull unless `writing` bytes fit with `minimum` (MIN_FREE_BYTES) still
    free after them."""
    minimum = MIN_FREE_BYTES if minimum is None else minimum
    free = free_bytes(path)
    if free - writing < minimum:
        raise StorageFull(
            f"the data directory's disk is full: {free // MIB} MiB free in {path}, and writes "
            f"stop below {minimum // MIB} MiB; free some space, then refresh again"
        )
