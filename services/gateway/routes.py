"""The gateway's route table: where each public route goes and who may call it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from byosc.auth.access import Access

# Where a route names its course: the {course_id} path parameter, the JSON body's
# course_id, the JSON body's model (OpenAI requests, whose model is a course ID), or the
# job of the {job_id} path parameter. None: no single course.
CourseIn = Literal["path", "body", "model", "job"]
# byosc: this API's conventions. openai: OpenAI's, for its clients: errors as
# {"error": {message, type, code}} and listings inside {"object": "list", "data": [...]}.
Protocol = Literal["byosc", "openai"]


@dataclass(frozen=True)
class Route:
    path: str
    methods: list[str]
    service: str
    summary: str
    access: Access
    course_in: CourseIn | None = "path"
    protocol: Protocol = "byosc"


ROUTES: list[Route] = [
    Route("/courses", ["GET"], "ingest", "Courses the key reaches", "list", None),
    Route("/courses", ["POST"], "ingest", "Create a course", "admin", None),
    Route("/courses/{course_id}", ["GET"], "ingest", "Read a course", "read"),
    Route("/courses/{course_id}", ["DELETE"], "ingest", "Delete a course", "admin"),
    Route("/courses/{course_id}/documents", ["GET"], "ingest", "List documents", "read"),
    Route("/courses/{course_id}/documents", ["POST"], "ingest", "Upload documents", "manage"),
    Route(
        "/courses/{course_id}/documents/{document_id}",
        ["DELETE"],
        "ingest",
        "Delete a document or refused file: its file, vectors and rows",
        "manage",
    ),
    Route(
        "/courses/{course_id}/documents/{document_id}/file",
        ["GET"],
        "ingest",
        "A document's original file (range requests); citation urls point here",
        "read",
    ),
    Route(
        "/courses/{course_id}/documents/{document_id}/chunks",
        ["GET"],
        "ingest",
        "A document's indexed passages in order",
        "read",
    ),
    Route(
        "/courses/{course_id}/refresh",
        ["POST"],
        "ingest",
        "Sync the index with the source",
        "manage",
    ),
    # Who may refresh may schedule refreshes: admins and the course's instructors.
    Route(
        "/courses/{course_id}/schedule",
        ["GET"],
        "ingest",
        "The refresh schedule, its next run and the last scheduled run",
        "manage",
    ),
    Route(
        "/courses/{course_id}/schedule",
        ["PUT"],
        "ingest",
        "Refresh on a cron expression or an interval",
        "manage",
    ),
    Route(
        "/courses/{course_id}/schedule",
        ["DELETE"],
        "ingest",
        "Stop scheduled refreshes",
        "manage",
    ),
    Route("/jobs/{job_id}", ["GET"], "ingest", "A job's state, progress and errors", "read", "job"),
    Route(
        "/jobs/{job_id}/cancel",
        ["POST"],
        "ingest",
        "Cancel a queued or running job",
        "manage",
        "job",
    ),
    Route("/courses/{course_id}/search", ["GET"], "inference", "Ranked chunks for a query", "chat"),
    Route(
        "/chat",
        ["POST"],
        "inference",
        "Answer with citations (stream: true for SSE)",
        "chat",
        "body",
    ),
    Route(
        "/courses/{course_id}/quiz",
        ["POST"],
        "inference",
        "Practice questions with citations",
        "chat",
    ),
    Route(
        "/courses/{course_id}/quiz/grade",
        ["POST"],
        "inference",
        "Grade answers to a quiz",
        "chat",
    ),
    Route(
        "/courses/{course_id}/feedback",
        ["POST"],
        "inference",
        "Rate an answer up or down (no identity unless given)",
        "chat",
    ),
    Route(
        "/courses/{course_id}/gaps",
        ["GET"],
        "inference",
        "What students ask that the material does not cover, grouped",
        "manage",
    ),
    Route(
        "/courses/{course_id}/gaps/resolve",
        ["POST"],
        "inference",
        "Hide questions the material now covers from the gaps",
        "manage",
    ),
    Route(
        "/courses/{course_id}/datasets",
        ["POST"],
        "ingest",
        "Generate the next dataset version",
        "manage",
    ),
    Route(
        "/courses/{course_id}/datasets", ["GET"], "ingest", "Instruction dataset versions", "read"
    ),
    Route(
        "/courses/{course_id}/datasets/{version}",
        ["GET"],
        "ingest",
        "A version's report, sample",
        "read",
    ),
    Route(
        "/courses/{course_id}/datasets/{version}/export",
        ["GET"],
        "ingest",
        "A version as chat-format JSON lines",
        "read",
    ),
    Route(
        "/courses/{course_id}/train",
        ["POST"],
        "trainer",
        "Train, evaluate and promote an adapter",
        "manage",
    ),
    Route(
        "/courses/{course_id}/adapters", ["GET"], "trainer", "The course's LoRA adapters", "read"
    ),
    Route(
        "/courses/{course_id}/adapters/{name}/promote",
        ["POST"],
        "trainer",
        "Serve an adapter as the course's active one",
        "manage",
    ),
    Route(
        "/courses/{course_id}/rollback",
        ["POST"],
        "trainer",
        "Restore the previous adapter",
        "manage",
    ),
    Route(
        "/v1/chat/completions",
        ["POST"],
        "inference",
        "OpenAI-compatible chat: model = course ID; citations in the extra field",
        "chat",
        "model",
        "openai",
    ),
    Route(
        "/v1/models",
        ["GET"],
        "inference",
        "The courses the key reaches, as OpenAI models",
        "list",
        None,
        "openai",
    ),
]
