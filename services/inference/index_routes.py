"""/internal/index: the embedded index lent to other processes (see byosc.index.http).
Not routed by the gateway."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel

from byosc.domain import Chunk, SearchMode
from byosc.index.http import PREFIX
from services.inference.dependencies import IndexDep

router = APIRouter(prefix=PREFIX, tags=["internal"], include_in_schema=False)


class Upsert(BaseModel):
    chunks: list[Chunk]
    vectors: list[list[float]]


class Search(BaseModel):
    course_id: str
    vector: list[float]
    text: str
    limit: int
    mode: SearchMode = "dense"
    with_vectors: bool = False


@router.post("/upsert", status_code=204)
def upsert(body: Upsert, index: IndexDep) -> Response:
    try:
        index.upsert(body.chunks, body.vectors)
    except ValueError as exc:  # mismatched lengths or dimensions: the caller's mistake
        raise HTTPException(422, str(exc)) from exc
    return Response(status_code=204)


@router.post("/search")
def search(body: Search, index: IndexDep) -> list[dict[str, Any]]:
    try:
        hits = index.search(
            body.course_id,
            body.vector,
            body.text,
            body.limit,
            mode=body.mode,
            with_vectors=body.with_vectors,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    # ScoredChunk leaves its vector out of JSON; this route is the one that must carry it.
    return [hit.model_dump(mode="json") | {"vector": hit.vector} for hit in hits]


@router.get("/courses/{course_id}/documents/{document_id}/chunks")
def chunks(course_id: str, document_id: str, index: IndexDep) -> list[Chunk]:
    return index.chunks(course_id, document_id)


@router.delete("/courses/{course_id}/documents/{document_id}", status_code=204)
def delete_document(course_id: str, document_id: str, index: IndexDep) -> Response:
    index.delete_document(course_id, document_id)
    return Response(status_code=204)


@router.delete("/courses/{course_id}", status_code=204)
def delete_course(course_id: str, index: IndexDep) -> Response:
    index.delete_course(course_id)
    return Response(status_code=204)


@router.get("/courses/{course_id}/count")
def count(course_id: str, index: IndexDep) -> dict[str, int]:
    return {"count": index.count(course_id)}
