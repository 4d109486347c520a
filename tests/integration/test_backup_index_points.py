"""The index part of a backup is engine-neutral: points scrolled out of a Qdrant Edge shard
upsert into a Qdrant collection (qdrant-client's local mode runs the server's code) and
scroll back out of it the same, and both answer a query alike."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from byosc.backup.index_points import export_points, import_points
from byosc.domain import Chunk
from byosc.index.edge import EdgeIndex
from byosc.index.qdrant import QdrantIndex

DIMENSION = 8
TOPICS = ["paging and the TLB", "round-robin scheduling", "deadlock conditions", "inodes"]


def _chunks(document_id: str) -> list[Chunk]:
    return [
        Chunk(id=f"00000000-0000-4000-8000-{document_id[-1]}{i:011d}", course_id="os",
              document_id=document_id, index=i, text=f"Notes on {topic}.", title=topic,
              filename=f"{document_id}.md")
        for i, topic in enumerate(TOPICS)
    ]  # fmt: skip


def _vectors(n: int, seed: int) -> list[list[float]]:
    """Distinct directions, so no two points tie on a query."""
    draw = random.Random(seed)
    return [[draw.uniform(-1.0, 1.0) for _ in range(DIMENSION)] for _ in range(n)]


def _lines(index: EdgeIndex | QdrantIndex, documents: dict[tuple[str, str], int]) -> list[dict]:
    out = io.StringIO()
    part = export_points(index, documents, out)
    assert part.points == sum(documents.values())
    return sorted((json.loads(line) for line in out.getvalue().splitlines()), key=str)


def test_points_scrolled_from_edge_restore_into_a_qdrant_collection_and_scroll_back_the_same(
    tmp_path: Path,
) -> None:
    edge = EdgeIndex(tmp_path / "edge", DIMENSION)
    for seed, document_id in enumerate(("doc-a", "doc-b")):
        edge.upsert(_chunks(document_id), _vectors(len(TOPICS), seed))
    documents = {("os", "doc-a"): len(TOPICS), ("os", "doc-b"): len(TOPICS)}
    from_edge = _lines(edge, documents)
    qdrant = QdrantIndex(QdrantClient(":memory:"), "byosc_chunks", DIMENSION)
    archived = "".join(json.dumps(point) + "\n" for point in from_edge).encode()
    assert import_points(qdrant, io.BytesIO(archived)) == 2 * len(TOPICS)
    from_qdrant = _lines(qdrant, documents)
    assert [(p["id"], p["chunk"]) for p in from_qdrant] == [
        (p["id"], p["chunk"]) for p in from_edge
    ]
    for mine, theirs in zip(from_qdrant, from_edge, strict=True):
        assert mine["vector"] == pytest.approx(theirs["vector"], abs=1e-6)
    query = _vectors(1, seed=99)[0]
    for mode in ("dense", "sparse", "hybrid"):
        hits = [
            [h.chunk.id for h in index.search("os", query, "TLB paging", 5, mode=mode)]
            for index in (edge, qdrant)
        ]
        assert hits[0] == hits[1], mode
    edge.close()
    qdrant.close()
