"""A document's original file and its chunks: what a citation opens.

The file is served as stored, with range requests (players seek, PDF viewers fetch pages),
never as a page of this origin: `Content-Security-Policy: sandbox` keeps an uploaded HTML
file's scripts from running with the API's origin, and `nosniff` keeps a browser from
reading a file as another type than the one it is served with.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel

from byosc.domain import Course, Document
from byosc.errors import NotFound
from byosc.originals import OriginalStore, original_of
from byosc.ports import Catalog
from services.ingest.dependencies import CatalogDep, IndexDep, SettingsDep

router = APIRouter(tags=["documents"])

FILE_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox",
    # Served for one key: no shared cache may keep it.
    "cache-control": "private",
}
# One range spec of RFC 9110: first-last, first-, or -suffix_length.
_RANGE_SPEC = re.compile(r"(\d+)-(\d*)|-(\d+)")
MAX_RANGES = 100
NOT_KEPT = (
    "the original file of {name} is not stored: it was indexed before original files were "
    "kept. Upload it again, or change it in the course's source, and refresh the course."
)


class DocumentChunk(BaseModel):
    """One indexed passage of a document, where it sits in the document."""

    index: int
    text: str
    heading: str | None = None
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    ocr: bool = False


@router.get(
    "/courses/{course_id}/documents/{document_id}/file",
    response_class=FileResponse,
    responses={
        200: {"description": "The file as uploaded, with its media type.", "content": {"*/*": {}}},
        206: {"description": "The requested byte range (Content-Range).", "content": {"*/*": {}}},
        404: {"description": "No such course or document, or its original is not stored."},
        416: {"description": "A malformed or unsatisfiable Range (Content-Range: bytes */size)."},
    },
)
def document_file(
    course_id: str,
    document_id: str,
    catalog: CatalogDep,
    settings: SettingsDep,
    range_header: Annotated[
        str | None,
        Header(alias="range", description="bytes=first-last, bytes=first- or bytes=-count"),
    ] = None,
) -> Response:
    """The document's original file, inline, with range requests. A citation's `url` is this
    path with a fragment naming the cited page, time or heading."""
    course, document = _course_document(catalog, course_id, document_id)
    path = original_of(OriginalStore.from_settings(settings), settings, course, document)
    if path is None:
        raise NotFound(NOT_KEPT.format(name=document.filename))
    size = path.stat().st_size
    if range_header is not None and not satisfiable(range_header, size):
        headers = {**FILE_HEADERS, "content-range": f"bytes */{size}"}
        return Response(status_code=416, headers=headers)
    headers = {**FILE_HEADERS, "content-disposition": inline_disposition(document.filename)}
    return FileResponse(path, media_type=document.media_type, headers=headers)


@router.get("/courses/{course_id}/documents/{document_id}/chunks")
def document_chunks(
    course_id: str, document_id: str, catalog: CatalogDep, index: IndexDep
) -> list[DocumentChunk]:
    """The document's indexed passages in document order: a transcript, or a document's
    text at a slide or heading."""
    _course_document(catalog, course_id, document_id)
    chunks = index.chunks(course_id, document_id)
    return [DocumentChunk.model_validate(c, from_attributes=True) for c in chunks]


def _course_document(catalog: Catalog, course_id: str, document_id: str) -> tuple[Course, Document]:
    if (course := catalog.get_course(course_id)) is None:
        raise NotFound(f"course {course_id} does not exist")
    for document in catalog.list_documents(course_id):
        if document.id == document_id:
            return course, document
    raise NotFound(f"course {course_id} has no document {document_id}")


def satisfiable(header: str, size: int) -> bool:
    """Whether a Range header is well formed and names at least one byte of a file of `size`
    bytes in every range (what the file response then serves)."""
    unit, _, specs = header.partition("=")
    parts = [p.strip() for p in specs.split(",")]
    if unit.strip().lower() != "bytes" or not parts or len(parts) > MAX_RANGES:
        return False
    for part in parts:
        match = _RANGE_SPEC.fullmatch(part)
        if match is None:
            return False
        first, last, suffix = match.groups()
        if suffix is not None:
            if int(suffix) == 0 or size == 0:
                return False
        elif int(first) >= size or (last and int(last) < int(first)):
            return False
    return True


def inline_disposition(filename: str) -> str:
    """Inline, with the name in UTF-8 (RFC 6266) and a plain ASCII one for old clients."""
    # Accents dropped (é -> e), any other character not plain ASCII replaced.
    decomposed = unicodedata.normalize("NFKD", filename)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\%]', "_", plain).strip() or "document"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
