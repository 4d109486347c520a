"""EdgeIndex: the SearchIndex port on Qdrant Edge, the Qdrant engine in-process and on disk.

One process at a time may open a shard directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import qdrant_edge as qe

from byosc.disk_room import ensure_room
from byosc.domain import Chunk, ScoredChunk
from byosc.index.points import (
    COURSE_FIELD,
    DENSE,
    DOCUMENT_FIELD,
    RRF_K,
    RRF_WEIGHTS,
    SCROLL_PAGE,
    SPARSE,
    SearchMode,
    check_limit,
    checked_batches,
    chunk_payload,
    dense_of,
    in_document_order,
    payload_chunk,
    prefetch_limit,
    sparse_document,
    sparse_query,
)

_CONFIG_FILE = "edge_config.json"


class EdgeIndex:
    def __init__(self, path: Path, dimension: int) -> None:
        self.path = Path(path)
        self.dimension = dimension
        self._shard: qe.EdgeShard | None = _open_shard(self.path, dimension)
        self._ensure_payload_indexes()

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise RuntimeError(f"the index at {self.path} is closed")
        return self._shard

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        ensure_room(self.path)  # a full disk under the shard's memory maps is a SIGBUS
        for batch in checked_batches(chunks, vectors, self.dimension):
            points = [_point(chunk, vector) for chunk, vector in batch]
            self.shard.update(qe.UpdateOperation.upsert_points(points))

    def search(
        self,
        course_id: str,
        vector: Sequence[float],
        text: str,
        limit: int,
        *,
        mode: SearchMode = "dense",
        with_vectors: bool = False,
    ) -> list[ScoredChunk]:
        check_limit(limit)
        course = _course_filter(course_id)
        wanted = [DENSE] if with_vectors else None
        if mode == "dense":
            request = qe.QueryRequest(
                limit=limit,
                query=_dense(vector),
                filter=course,
                with_payload=True,
                with_vector=wanted,
            )
        elif mode == "sparse":
            request = qe.QueryRequest(
                limit=limit,
                query=_sparse(text),
                filter=course,
                params=_idf_within(course),
                with_payload=True,
                with_vector=wanted,
            )
        else:
            request = _hybrid(course, vector, text, limit, mode, wanted)
        return [
            ScoredChunk(chunk=payload_chunk(p.payload), score=p.score, vector=dense_of(p.vector))
            for p in self.shard.query(request)
        ]

    def chunks(self, course_id: str, document_id: str) -> list[Chunk]:
        found: list[Chunk] = []
        offset = None
        while True:
            request = qe.ScrollRequest(
                offset=offset,
                limit=SCROLL_PAGE,
                filter=_course_filter(course_id, document_id),
                with_payload=True,
            )
            records, offset = self.shard.scroll(request)
            found += [payload_chunk(r.payload) for r in records]
            if offset is None:
                return in_document_order(found)

    def delete_document(self, course_id: str, document_id: str) -> None:
        selector = _course_filter(course_id, document_id)
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(selector))

    def delete_course(self, course_id: str) -> None:
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(_course_filter(course_id)))

    def count(self, course_id: str) -> int:
        return self.shard.count(qe.CountRequest(exact=True, filter=_course_filter(course_id)))

    def optimize(self) -> bool:
        """Merges segments and builds the HNSW graph now instead of searching unindexed ones."""
        return self.shard.optimize()

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None

    def _ensure_payload_indexes(self) -> None:
        existing = self.shard.info().payload_schema
        wanted: dict[str, qe.KeywordIndexParams] = {
            # is_tenant lays points out by course, so a course's search reads its own data.
            COURSE_FIELD: qe.KeywordIndexParams(is_tenant=True),
            DOCUMENT_FIELD: qe.KeywordIndexParams(),
        }
        for field, params in wanted.items():
            if field not in existing:
                self.shard.update(qe.UpdateOperation.create_field_index(field, params))


def _open_shard(path: Path, dimension: int) -> qe.EdgeShard:
    config = qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
    )
    if (path / _CONFIG_FILE).exists():
        # Fails when the shard holds another dimension, or another process has it open.
        try:
            return qe.EdgeShard.load(str(path), config)
        except Exception as exc:
            raise RuntimeError(f"cannot open the index at {path}: {exc}") from exc
    path.mkdir(parents=True, exist_ok=True)
    return qe.EdgeShard.create(str(path), config)


def _point(chunk: Chunk, vector: list[float]) -> qe.Point:
    indices, values = sparse_document(chunk)
    vectors: dict[str, qe.NamedVector] = {
        DENSE: vector,
        SPARSE: qe.SparseVector(indices=indices, values=values),
    }
    return qe.Point(chunk.id, vectors, chunk_payload(chunk))


def _course_filter(course_id: str, document_id: str | None = None) -> qe.Filter:
    conditions: list[qe.ConditionType] = [
        qe.FieldCondition(COURSE_FIELD, match=qe.MatchValue(course_id))
    ]
    if document_id is not None:
        conditions.append(qe.FieldCondition(DOCUMENT_FIELD, match=qe.MatchValue(document_id)))
    return qe.Filter(must=conditions)


def _dense(vector: Sequence[float]) -> qe.Query:
    return qe.Query.Nearest([float(x) for x in vector], using=DENSE)


def _sparse(text: str) -> qe.Query:
    indices, values = sparse_query(text)
    return qe.Query.Nearest(qe.SparseVector(indices=indices, values=values), using=SPARSE)


def _idf_within(course: qe.Filter) -> qe.SearchParams:
    """IDF over the course's own chunks: other courses' vocabulary must not weigh terms."""
    return qe.SearchParams(idf=qe.IdfParams(corpus=course))


def _hybrid(
    course: qe.Filter,
    vector: Sequence[float],
    text: str,
    limit: int,
    mode: SearchMode,
    wanted: list[str] | None,
) -> qe.QueryRequest:
    depth = prefetch_limit(limit)
    prefetches = [
        qe.Prefetch(limit=depth, query=_dense(vector), filter=course),
        qe.Prefetch(limit=depth, query=_sparse(text), filter=course, params=_idf_within(course)),
    ]
    rrf = qe.Fusion.Rrf(k=RRF_K, weights=RRF_WEIGHTS)
    fusion = qe.Fusion.Dbsf() if mode == "hybrid-dbsf" else rrf
    return qe.QueryRequest(
        limit=limit,
        prefetches=prefetches,
        # The stubs type this as Fusion; the engine takes its variants.
        query=fusion,  # type: ignore[arg-type]
        filter=course,
        with_payload=True,
        with_vector=wanted,
    )
