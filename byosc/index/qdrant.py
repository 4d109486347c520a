"""QdrantIndex: the SearchIndex port on a Qdrant server through qdrant-client.

All courses share one collection; `course_id` is a tenant index, so each course's points
are stored together and every read and delete is filtered by it. qdrant-client's local
mode (`QdrantClient(":memory:")` or `path=...`) runs the same code without a server.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qdrant_client import QdrantClient, models

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

if TYPE_CHECKING:
    from byosc.settings import Settings


class QdrantIndex:
    def __init__(self, client: QdrantClient, collection: str, dimension: int) -> None:
        self.client = client
        self.collection = collection
        self.dimension = dimension
        self._ensure_collection()

    @classmethod
    def from_settings(cls, settings: Settings, dimension: int) -> QdrantIndex:
        index = settings.index
        client = QdrantClient(url=index.url, api_key=index.api_key)
        return cls(client, index.collection, dimension)

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        for batch in checked_batches(chunks, vectors, self.dimension):
            points = [_point(chunk, vector) for chunk, vector in batch]
            self.client.upsert(self.collection, points=points, wait=True)

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
        wanted = [DENSE] if with_vectors else False
        if mode == "dense":
            response = self.client.query_points(
                self.collection,
                query=list(vector),
                using=DENSE,
                query_filter=course,
                limit=limit,
                with_vectors=wanted,
            )
        elif mode == "sparse":
            response = self.client.query_points(
                self.collection,
                query=_sparse(text),
                using=SPARSE,
                query_filter=course,
                search_params=_idf_within(course),
                limit=limit,
                with_vectors=wanted,
            )
        else:
            response = self.client.query_points(
                self.collection,
                prefetch=_hybrid_prefetch(course, vector, text, limit),
                query=_fusion(mode),
                query_filter=course,
                limit=limit,
                with_vectors=wanted,
            )
        return [
            ScoredChunk(chunk=payload_chunk(p.payload), score=p.score, vector=dense_of(p.vector))
            for p in response.points
        ]

    def chunks(self, course_id: str, document_id: str) -> list[Chunk]:
        found: list[Chunk] = []
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection,
                scroll_filter=_course_filter(course_id, document_id),
                limit=SCROLL_PAGE,
                offset=offset,
                with_payload=True,
            )
            found += [payload_chunk(r.payload) for r in records]
            if offset is None:
                return in_document_order(found)

    def delete_document(self, course_id: str, document_id: str) -> None:
        selector = models.FilterSelector(filter=_course_filter(course_id, document_id))
        self.client.delete(self.collection, points_selector=selector, wait=True)

    def delete_course(self, course_id: str) -> None:
        selector = models.FilterSelector(filter=_course_filter(course_id))
        self.client.delete(self.collection, points_selector=selector, wait=True)

    def count(self, course_id: str) -> int:
        result = self.client.count(
            self.collection, count_filter=_course_filter(course_id), exact=True
        )
        return result.count

    def close(self) -> None:
        self.client.close()

    def _ensure_collection(self) -> None:
        if not self.client.collection_exists(self.collection):
            try:
                self._create_collection()
            except Exception:
                # Another process may have created it between the check and the call.
                if not self.client.collection_exists(self.collection):
                    raise
        self._check_dimension()

    def _create_collection(self) -> None:
        self.client.create_collection(
            self.collection,
            vectors_config={
                DENSE: models.VectorParams(size=self.dimension, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        indexes: dict[str, models.KeywordIndexParams] = {
            COURSE_FIELD: models.KeywordIndexParams(
                type=models.KeywordIndexType.KEYWORD, is_tenant=True
            ),
            DOCUMENT_FIELD: models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD),
        }
        with warnings.catch_warnings():
            # Local mode has no payload indexes and says so; a server builds them.
            warnings.filterwarnings("ignore", message="Payload indexes have no effect")
            for field, schema in indexes.items():
                self.client.create_payload_index(
                    self.collection, field_name=field, field_schema=schema, wait=True
                )

    def _check_dimension(self) -> None:
        vectors = self.client.get_collection(self.collection).config.params.vectors
        params = vectors.get(DENSE) if isinstance(vectors, dict) else None
        if params is None:
            raise RuntimeError(f"collection {self.collection} has no vector named {DENSE!r}")
        if params.size != self.dimension:
            raise RuntimeError(
                f"collection {self.collection} holds vectors of dimension {params.size}; "
                f"the embedder makes {self.dimension}"
            )


def _point(chunk: Chunk, vector: list[float]) -> models.PointStruct:
    indices, values = sparse_document(chunk)
    return models.PointStruct(
        id=chunk.id,
        vector={DENSE: vector, SPARSE: models.SparseVector(indices=indices, values=values)},
        payload=chunk_payload(chunk),
    )


def _course_filter(course_id: str, document_id: str | None = None) -> models.Filter:
    conditions: list[models.Condition] = [
        models.FieldCondition(key=COURSE_FIELD, match=models.MatchValue(value=course_id))
    ]
    if document_id is not None:
        conditions.append(
            models.FieldCondition(key=DOCUMENT_FIELD, match=models.MatchValue(value=document_id))
        )
    return models.Filter(must=conditions)


def _sparse(text: str) -> models.SparseVector:
    indices, values = sparse_query(text)
    return models.SparseVector(indices=indices, values=values)


def _idf_within(course: models.Filter) -> models.SearchParams:
    """IDF over the course's own chunks: other courses' vocabulary must not weigh terms."""
    return models.SearchParams(idf=models.IdfCorpusParams(corpus=course))


def _fusion(mode: SearchMode) -> models.Query:
    if mode == "hybrid-dbsf":
        return models.FusionQuery(fusion=models.Fusion.DBSF)
    return models.RrfQuery(rrf=models.Rrf(k=RRF_K, weights=RRF_WEIGHTS))


def _hybrid_prefetch(
    course: models.Filter, vector: Sequence[float], text: str, limit: int
) -> list[models.Prefetch]:
    depth = prefetch_limit(limit)
    return [
        models.Prefetch(query=list(vector), using=DENSE, filter=course, limit=depth),
        models.Prefetch(
            query=_sparse(text),
            using=SPARSE,
            filter=course,
            params=_idf_within(course),
            limit=depth,
        ),
    ]
