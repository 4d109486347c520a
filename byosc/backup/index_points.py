"""The search index in a backup: every point scrolled out with its dense vector and chunk,
and upserted again through the SearchIndex port on restore.

Scrolling works the same on Qdrant Edge and on a Qdrant server, so a backup of one restores
into the other; Edge has no way to write a snapshot of its own (it only reads the server's).
The BM25 vectors are not archived: the port computes them from the chunk's text, the same
way, on upsert.

Consistency: an Edge shard opens in one process at a time, so while the backup holds it
nothing else writes it (a running stack's worker holds it: the backup is then refused). A
Qdrant server has no such lock; there the points are checked against the metadata DB
snapshot instead: points of documents the snapshot lacks (written after it) are left out,
and a document whose points do not number its chunks (changed while it was read) refuses
the backup with its name.

The index libraries are imported inside the functions: the command line runs without them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from byosc.backup.manifest import BackupRefused, IndexPart
from byosc.domain import Chunk
from byosc.settings import Settings

if TYPE_CHECKING:
    from byosc.index.edge import EdgeIndex
    from byosc.index.qdrant import QdrantIndex

    OwnedIndex = EdgeIndex | QdrantIndex

MEMBER = "index/points.jsonl"
_DENSE = "dense"  # byosc.index.points.DENSE, without importing the index libraries
_EDGE_CONFIG = "edge_config.json"


def stored_dimension(settings: Settings) -> int | None:
    """The dense vectors' dimension the index holds; None when there is no index yet."""
    _refuse_remote(settings)
    if settings.index.kind == "edge":
        config = settings.index_path / _EDGE_CONFIG
        if not config.is_file():
            return None
        return int(json.loads(config.read_text())["vectors"][_DENSE]["size"])
    from qdrant_client import QdrantClient

    client = QdrantClient(url=settings.index.url, api_key=settings.index.api_key)
    try:
        if not client.collection_exists(settings.index.collection):
            return None
        vectors = client.get_collection(settings.index.collection).config.params.vectors
    except Exception as exc:  # the client raises its transport's errors as they come
        url = settings.index.url
        raise BackupRefused(f"cannot reach the Qdrant server at {url}: {exc}") from exc
    else:
        if not isinstance(vectors, dict) or _DENSE not in vectors:
            raise BackupRefused(f"collection {settings.index.collection} has no dense vectors")
        return int(vectors[_DENSE].size)
    finally:
        client.close()


def open_owned_index(settings: Settings, dimension: int) -> OwnedIndex:
    """The index, opened by this process; an Edge shard another process holds is refused."""
    _refuse_remote(settings)
    if settings.index.kind == "qdrant":
        from byosc.index.qdrant import QdrantIndex

        return QdrantIndex.from_settings(settings, dimension)
    from byosc.index.edge import EdgeIndex

    try:
        return EdgeIndex(settings.index_path, dimension)
    except RuntimeError as exc:
        raise BackupRefused(
            f"{exc}. Another process holds the index (a running stack's worker or inference "
            "service, or a refresh): backup and restore need it to themselves, so that "
            "nothing writes it while it is read. Stop the stack, or wait for the job, and "
            "run the command again"
        ) from exc


def export_points(
    index: OwnedIndex, documents: dict[tuple[str, str], int], out: IO[str]
) -> IndexPart:
    """Writes the points of the snapshot's documents to `out`, one JSON object a line."""
    found: dict[tuple[str, str], int] = dict.fromkeys(documents, 0)
    per_course: dict[str, int] = {}
    left_out = 0
    for point_id, vector, payload in _scroll(index):
        chunk = Chunk.model_validate(payload)
        key = (chunk.course_id, chunk.document_id)
        if key not in found:
            left_out += 1
            continue
        found[key] += 1
        per_course[chunk.course_id] = per_course.get(chunk.course_id, 0) + 1
        out.write(json.dumps({"id": str(point_id), "vector": vector, "chunk": payload}) + "\n")
    for (course_id, document_id), expected in documents.items():
        if found[(course_id, document_id)] != expected:
            raise BackupRefused(
                f"document {document_id} of course {course_id} has {expected} chunks in the "
                f"metadata DB but {found[(course_id, document_id)]} points in the index: it "
                "changed while the backup read them (a refresh, upload or delete ran). Run "
                "the backup again when no job runs"
            )
    return IndexPart(
        kind="edge" if _is_edge(index) else "qdrant",
        dimension=index.dimension,
        points=sum(per_course.values()),
        per_course=per_course,
        left_out=left_out,
    )


def import_points(index: OwnedIndex, lines: IO[bytes]) -> int:
    """Upserts the archived points in batches; returns how many."""
    from byosc.index.points import UPSERT_BATCH

    chunks: list[Chunk] = []
    vectors: list[list[float]] = []
    total = 0
    for line in lines:
        point = json.loads(line)
        chunks.append(Chunk.model_validate(point["chunk"]))
        vectors.append(point["vector"])
        if len(chunks) == UPSERT_BATCH:
            index.upsert(chunks, vectors)
            total, chunks, vectors = total + len(chunks), [], []
    if chunks:
        index.upsert(chunks, vectors)
    return total + len(chunks)


def total_points(index: OwnedIndex, course_ids: list[str]) -> int:
    """Points in the whole shard (Edge), or of these courses (a server's shared collection)."""
    if _is_edge(index):
        return int(index.shard.info().points_count)  # type: ignore[union-attr]
    return sum(index.count(course_id) for course_id in course_ids)


def clear_points(
    settings: Settings, index: OwnedIndex, course_ids: list[str], dimension: int
) -> OwnedIndex:
    """Empties the index for a forced restore; returns the index to write into (an Edge
    shard is made again, at `dimension`)."""
    if not _is_edge(index):
        for course_id in course_ids:
            index.delete_course(course_id)
        return index
    index.close()
    shutil.rmtree(settings.index_path)
    return open_owned_index(settings, dimension)


def _scroll(index: OwnedIndex) -> Iterator[tuple[Any, list[float], dict[str, Any]]]:
    from byosc.index.edge import EdgeIndex
    from byosc.index.points import SCROLL_PAGE

    offset: Any = None
    if isinstance(index, EdgeIndex):
        import qdrant_edge as qe

        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=SCROLL_PAGE, with_payload=True, with_vector=[_DENSE]
            )
            records, offset = index.shard.scroll(request)
            yield from ((r.id, _dense(r.vector, r.id), r.payload or {}) for r in records)
            if offset is None:
                return
    while True:
        points, offset = index.client.scroll(
            index.collection,
            limit=SCROLL_PAGE,
            offset=offset,
            with_payload=True,
            with_vectors=[_DENSE],
        )
        yield from ((p.id, _dense(p.vector, p.id), p.payload or {}) for p in points)
        if offset is None:
            return


def _dense(vectors: Any, point_id: Any) -> list[float]:
    from byosc.index.points import dense_of

    dense = dense_of(vectors)
    if dense is None:
        raise BackupRefused(f"point {point_id} of the index has no dense vector")
    return dense


def _is_edge(index: OwnedIndex) -> bool:
    from byosc.index.edge import EdgeIndex

    return isinstance(index, EdgeIndex)


def _refuse_remote(settings: Settings) -> None:
    if settings.index.kind == "http":
        raise BackupRefused(
            "the index is the inference service's (BYOSC_INDEX__KIND=http): run backup and "
            "restore with the settings of the process that owns it (kind edge with the "
            "service stopped, or kind qdrant)"
        )
