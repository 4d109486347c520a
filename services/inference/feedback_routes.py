"""/courses/{id}/feedback and /courses/{id}/gaps: thin mappings onto byosc.feedback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from byosc.errors import NotFound
from byosc.feedback.gaps import course_gaps
from byosc.feedback.models import FeedbackCreated, FeedbackRequest, Gaps, Resolved, ResolveRequest
from services.inference.dependencies import ChatDep, FeedbackDep

router = APIRouter(tags=["feedback"])
NO_COURSE: dict[int | str, dict[str, Any]] = {404: {"description": "No such course"}}


@router.post("/courses/{course_id}/feedback", status_code=201, responses=NO_COURSE)
def add_feedback(course_id: str, body: FeedbackRequest, store: FeedbackDep) -> FeedbackCreated:
    """A thumbs up or down on an answer, with an optional reason. Stored with no identity
    unless the body names a `user`."""
    return store.add(course_id, body)


@router.get("/courses/{course_id}/gaps", responses=NO_COURSE)
def gaps(
    course_id: str,
    rag: ChatDep,
    store: FeedbackDep,
    limit: int = Query(default=500, ge=1, le=2000, description="Newest open questions read."),
) -> Gaps:
    """What students ask that the material does not cover: questions answered not covered
    and rated down, grouped by meaning, largest groups first."""
    return course_gaps(rag.catalog, store, rag.embedder, course_id, limit)


@router.post("/courses/{course_id}/gaps/resolve", responses=NO_COURSE)
def resolve_gaps(
    course_id: str, body: ResolveRequest, rag: ChatDep, store: FeedbackDep
) -> Resolved:
    """Hides these questions (a group's `question_ids`) from the gaps, once the material
    covers them. IDs that are not open questions of this course are left alone."""
    if rag.catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    return Resolved(resolved=store.resolve(course_id, body.question_ids))
