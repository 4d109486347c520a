"""HttpIndex: the SearchIndex port over HTTP, for processes that do not own the embedded index.

An Edge shard locks its directory to one process. In the embedded profile the inference
service owns it and serves `/internal/index/*`; the ingest service and workers use this
adapter to reach it. In production every process talks to the Qdrant server directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from byosc.disk_room import StorageFull
from byosc.domain import Chunk, ScoredChunk, SearchMode
from byosc.request_ids import request_id_headers

PREFIX = "/internal/index"


class HttpIndex:
    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + PREFIX,
            timeout=timeout_s,
            event_hooks={"request": [_hand_on_request_id]},
        )

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        body = {"chunks": [c.model_dump() for c in chunks], "vectors": [list(v) for v in vectors]}
        _check(self._http.post("/upsert", json=body))

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
        body = {
            "course_id": course_id,
            "vector": list(vector),
            "text": text,
            "limit": limit,
            "mode": mode,
            "with_vectors": with_vectors,
        }
        response = _check(self._http.post("/search", json=body))
        return [ScoredChunk.model_validate(hit) for hit in response.json()]

    def chunks(self, course_id: str, document_id: str) -> list[Chunk]:
        response = _check(self._http.get(f"/courses/{course_id}/documents/{document_id}/chunks"))
        return [Chunk.model_validate(chunk) for chunk in response.json()]

    def delete_document(self, course_id: str, document_id: str) -> None:
        self._http.delete(f"/courses/{course_id}/documents/{document_id}").raise_for_status()

    def delete_course(self, course_id: str) -> None:
        self._http.delete(f"/courses/{course_id}").raise_for_status()

    def count(self, course_id: str) -> int:
        response = self._http.get(f"/courses/{course_id}/count")
        response.raise_for_status()
        return int(response.json()["count"])

    def close(self) -> None:
        self._http.close()


def _check(response: httpx.Response) -> httpx.Response:
    """A request the index refused as invalid raises ValueError, as the in-process indexes do."""
    if response.status_code == 422:
        raise ValueError(response.json().get("detail", response.text))
    if response.status_code == 507:  # the owner's disk is full: the job says so, not "507"
        raise StorageFull(response.json().get("detail", response.text))
    return response.raise_for_status()


def _hand_on_request_id(request: httpx.Request) -> None:
    # The index owner's logs then join the request (or job) that wrote or searched.
    request.headers.update(request_id_headers())
