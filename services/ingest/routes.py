"""Courses and their documents. Routes parse, call byosc, and map the result."""

from __future__ import annotations

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from byosc.domain import Course, Document, FileError, IngestReport
from byosc.errors import NotFound
from services.ingest.dependencies import CatalogDep, IndexDep, IngestorDep, SettingsDep

router = APIRouter(tags=["courses"])


class NewCourse(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["cs140"])
    name: str = Field(min_length=1, max_length=200, examples=["Operating Systems"])


@router.post("/courses", status_code=201)
def create_course(body: NewCourse, catalog: CatalogDep) -> Course:
    return catalog.create_course(Course(id=body.id, name=body.name))


@router.get("/courses")
def list_courses(catalog: CatalogDep) -> list[Course]:
    return catalog.list_courses()


@router.get("/courses/{course_id}")
def get_course(course_id: str, catalog: CatalogDep) -> Course:
    if (course := catalog.get_course(course_id)) is None:
        raise NotFound(f"course {course_id} does not exist")
    return course


@router.delete("/courses/{course_id}", status_code=204)
def delete_course(course_id: str, catalog: CatalogDep, index: IndexDep) -> Response:
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    index.delete_course(course_id)
    catalog.delete_course(course_id)
    return Response(status_code=204)


@router.get("/courses/{course_id}/documents")
def list_documents(course_id: str, catalog: CatalogDep) -> list[Document]:
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    return catalog.list_documents(course_id)


@router.post(
    "/courses/{course_id}/documents",
    status_code=201,
    response_model=IngestReport,
    responses={422: {"description": "Some files were refused; the others were ingested."}},
)
def upload_documents(
    course_id: str,
    ingestor: IngestorDep,
    settings: SettingsDep,
    files: list[UploadFile] = File(description="Lecture files: PDF, Markdown, text"),
) -> IngestReport | JSONResponse:
    accepted: list[tuple[str, bytes]] = []
    too_big: list[FileError] = []
    for upload in files:
        name = upload.filename or "upload"
        data = upload.file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            limit_mb = settings.max_upload_bytes / 1e6
            too_big.append(FileError(filename=name, reason=f"larger than {limit_mb:g} MB"))
        else:
            accepted.append((name, data))
    report = ingestor.ingest(course_id, accepted)
    report.errors = too_big + report.errors
    if not report.errors:
        return report
    reasons = "; ".join(f"{e.filename}: {e.reason}" for e in report.errors)
    detail = f"{len(report.errors)} of {len(files)} files could not be ingested: {reasons}"
    return JSONResponse({"detail": detail, **report.model_dump(mode="json")}, status_code=422)
