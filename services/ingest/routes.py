"""Courses and their documents. Routes parse, call byosc, and map the result."""

from __future__ import annotations

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from byosc.courses import create_course as create_checked_course
from byosc.courses import delete_course as delete_course_everywhere
from byosc.documents import delete_document as delete_document_everywhere
from byosc.domain import Course, CourseId, Document, FileError, Job, SourceSpec
from byosc.errors import NotFound
from byosc.jobs.control import request_refresh, wait_for_job
from byosc.uploads import accept_uploads
from services.ingest.dependencies import (
    AdaptersDep,
    CatalogDep,
    DatasetsDep,
    IndexDep,
    JobsDep,
    QueueDep,
    SettingsDep,
)

router = APIRouter(tags=["courses"])


class NewCourse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": "cs140", "name": "Operating Systems"},
                {
                    "id": "cs240",
                    "name": "Advanced Topics in Operating Systems",
                    "source": {"kind": "gdrive", "folder_id": "1AbCdEfGhIjKlMnOpQrStUv"},
                },
            ]
        }
    )

    id: CourseId = Field(examples=["cs140"])
    name: str = Field(min_length=1, max_length=200, examples=["Operating Systems"])
    source: SourceSpec = Field(
        default_factory=SourceSpec,
        description="upload (default), a local folder under an allowed root, or a Drive "
        "folder ID. Refresh keeps the index in sync with it.",
    )


class UploadAccepted(BaseModel):
    job_id: str
    saved: list[str] = Field(description="The names the files are stored under.")
    refused: list[FileError] = Field(default_factory=list)
    replaced: list[str] = Field(
        default_factory=list,
        description="Saved names that held other content: the upload is their new version.",
    )
    renamed: dict[str, str] = Field(
        default_factory=dict,
        description="Given name -> stored name, for names too long for the file system.",
    )
    job: Job | None = Field(default=None, description="The job, when asked to wait for it.")


@router.post(
    "/courses", status_code=201, responses={409: {"description": "A course with this ID exists."}}
)
def create_course(body: NewCourse, catalog: CatalogDep, settings: SettingsDep) -> Course:
    course = Course(id=body.id, name=body.name, source=body.source)
    return create_checked_course(catalog, settings, course)


@router.get("/courses")
def list_courses(catalog: CatalogDep) -> list[Course]:
    return catalog.list_courses()


@router.get("/courses/{course_id}")
def get_course(course_id: str, catalog: CatalogDep) -> Course:
    if (course := catalog.get_course(course_id)) is None:
        raise NotFound(f"course {course_id} does not exist")
    return course


@router.delete("/courses/{course_id}", status_code=204)
def delete_course(
    course_id: str,
    catalog: CatalogDep,
    index: IndexDep,
    settings: SettingsDep,
    datasets: DatasetsDep,
    adapters: AdaptersDep,
) -> Response:
    """The course with its documents, index, jobs, dataset versions and adapters."""
    delete_course_everywhere(
        catalog, index, settings, course_id, datasets=datasets, adapters=adapters
    )
    return Response(status_code=204)


@router.get("/courses/{course_id}/documents")
def list_documents(course_id: str, catalog: CatalogDep) -> list[Document]:
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    return catalog.list_documents(course_id)


@router.delete(
    "/courses/{course_id}/documents/{document_id}",
    status_code=204,
    responses={409: {"description": "The course syncs from a folder or Drive: remove it there."}},
)
def delete_document(
    course_id: str, document_id: str, catalog: CatalogDep, index: IndexDep, settings: SettingsDep
) -> Response:
    """A document or a refused file: its uploaded file, its vectors and its rows."""
    delete_document_everywhere(catalog, index, settings, course_id, document_id)
    return Response(status_code=204)


@router.post(
    "/courses/{course_id}/documents",
    status_code=202,
    response_model=UploadAccepted,
    responses={
        200: {"description": "Saved, and the refresh ended within wait_s (see job)."},
        409: {"description": "The course syncs from a folder or Drive: add files there."},
        422: {"description": "No file was accepted."},
    },
)
def upload_documents(
    course_id: str,
    catalog: CatalogDep,
    jobs: JobsDep,
    queue: QueueDep,
    settings: SettingsDep,
    files: list[UploadFile] = File(description="Lecture files: PDF, slides, documents, audio"),
    wait_s: float = Query(
        default=0, ge=0, le=600, description="Wait up to this long for the refresh to end."
    ),
) -> UploadAccepted | JSONResponse:
    """Saves the files into the course's upload folder and refreshes the course. A name
    already in the course is a new version of that document; files whose content cannot
    be ingested (empty, mislabelled, unsupported) are refused at once."""
    uploads = [(f.filename or "upload", f.file) for f in files]
    result = accept_uploads(catalog, settings, course_id, uploads)
    if not result.saved:
        reasons = "; ".join(f"{e.filename}: {e.reason}" for e in result.refused)
        return JSONResponse({"detail": f"no file was accepted: {reasons}"}, status_code=422)
    job, _ = request_refresh(catalog, jobs, queue, settings, course_id)
    accepted = UploadAccepted(
        job_id=job.id,
        saved=result.saved,
        refused=result.refused,
        replaced=result.replaced,
        renamed=result.renamed,
    )
    if wait_s > 0:
        accepted.job = wait_for_job(jobs, job.id, wait_s)
        if accepted.job.finished:
            return JSONResponse(accepted.model_dump(mode="json"), status_code=200)
    return accepted
