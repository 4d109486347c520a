"""Search indexes (the SearchIndex port). Importing this package loads no index library."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from byosc.ports import SearchIndex
    from byosc.settings import Settings


def open_index(settings: Settings, dimension: int) -> SearchIndex:
    """The index this process owns: an Edge shard on disk, or a Qdrant server collection."""
    kind = settings.index.kind
    if kind == "edge":
        from byosc.index.edge import EdgeIndex

        return EdgeIndex(settings.index_path, dimension)
    if kind == "qdrant":
        from byosc.index.qdrant import QdrantIndex

        return QdrantIndex.from_settings(settings, dimension)
    raise ValueError(
        f"index kind {kind!r} is not opened here: 'http' reaches the index another process "
        "owns, through byosc.index.http.HttpIndex (see byosc.bootstrap.open_search_index)"
    )
