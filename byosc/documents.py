"""A course's documents and refused files, and deleting one: what the API and the CLI share.

Deleting goes by source file: the uploaded file itself, every indexed version of it
(vectors, then rows) and the refusal a refresh remembered for it, so nothing brings it
back. A course that syncs from a folder or Drive keeps its files there: deleting one of
them here would only last until the next refresh, so it is refused with where to do it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from byosc.domain import Course, Document, RefusedFile, refused_file_id
from byosc.errors import Conflict, NotFound
from byosc.ingest import remove_document
from byosc.originals import OriginalStore
from byosc.ports import Catalog, SearchIndex
from byosc.settings import Settings
from byosc.uploads import remove_upload

_SOURCE_NAMES = {"local": "local folder", "gdrive": "Google Drive folder"}


class CourseFiles(BaseModel):
    documents: list[Document]
    refused: list[RefusedFile] = Field(
        description="Files whose content could not be ingested; refreshes skip them until "
        "they change. Delete them by id like documents."
    )


def course_files(catalog: Catalog, course_id: str) -> CourseFiles:
    _course(catalog, course_id)
    return CourseFiles(
        documents=catalog.list_documents(course_id), refused=catalog.list_refused(course_id)
    )


def delete_document(
    catalog: Catalog, index: SearchIndex, settings: Settings, course_id: str, document_id: str
) -> str:
    """Deletes a document or refused file by ID; returns its file name."""
    course = _course(catalog, course_id)
    found = _find(catalog, course_id, document_id)
    originals = OriginalStore.from_settings(settings)
    source_id = found.source_id
    if source_id is None:  # ingested by hand: no source brings it back
        remove_document(catalog, index, course_id, found.id, originals)
        return found.filename
    if course.source.kind != "upload":
        where = _SOURCE_NAMES.get(course.source.kind, course.source.kind)
        raise Conflict(
            f"{found.filename} comes from the course's {where}: remove it there, then "
            "refresh the course (deleted here, the next refresh would bring it back)"
        )
    # The file first: if what follows is cut short, the next refresh sees the file gone
    # and removes the rest.
    remove_upload(settings, course_id, source_id)
    for version in catalog.find_by_source(course_id, source_id):
        remove_document(catalog, index, course_id, version.id, originals)
    catalog.delete_refused(course_id, refused_file_id(course_id, source_id))
    return found.filename


def _course(catalog: Catalog, course_id: str) -> Course:
    if (course := catalog.get_course(course_id)) is None:
        raise NotFound(f"course {course_id} does not exist")
    return course


def _find(catalog: Catalog, course_id: str, document_id: str) -> Document | RefusedFile:
    for document in catalog.list_documents(course_id):
        if document.id == document_id:
            return document
    for refused in catalog.list_refused(course_id):
        if refused.id == document_id:
            return refused
    raise NotFound(f"course {course_id} has no document {document_id}")
