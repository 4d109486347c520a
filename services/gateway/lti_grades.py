"""Grades for the LMS gradebook. POST /lti/scores: a student's web app, right after showing
the grade of a quiz taken from a launch, hands that quiz over; the gateway reads the grade
from the quiz store (never from the caller), records it in the score outbox and answers at
once: the sender (lti_score_sender) posts it to the platform. GET /lti/scores: the course's
outbox as its instructor sees it (pending, sent, or failed with the reason)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from byosc.auth.access import reaches
from byosc.errors import NotFound
from byosc.lti.score_outbox import OutboxEntry, ScoreState, ScoreToSend
from byosc.lti.sessions import LtiSession
from byosc.quiz.store import SqlQuizStore
from services.gateway.auth import require
from services.gateway.limits import rate_limit
from services.gateway.lti_contexts import NEEDS_LAUNCH
from services.gateway.lti_state import lti_tool
from services.gateway.openapi import ErrorMessage

router = APIRouter(tags=["lti"])


class ScoreRequest(BaseModel):
    quiz_id: str = Field(min_length=1, max_length=64, description="A quiz graded in this session.")


class ScoreStatus(BaseModel):
    quiz_id: str
    user: str = Field(description="The LMS user's name, or their LMS ID.")
    score_given: float
    score_maximum: float
    state: ScoreState
    attempts: int = Field(description="Tries at posting so far.")
    last_error: str | None = Field(description="Why the last try failed (failed: why it ended).")
    line_item_url: str | None
    updated_at: datetime


def _status(entry: OutboxEntry) -> ScoreStatus:
    return ScoreStatus(
        user=entry.user_name or entry.user_sub, **entry.model_dump(exclude={"user_name"})
    )


def _score(session: LtiSession, quizzes: SqlQuizStore, quiz_id: str) -> ScoreToSend:
    lti = session.lti
    if lti.ags is None:
        raise HTTPException(409, "this launch offers no grade posting (the LMS sent no AGS claim)")
    if len(session.courses) != 1:
        raise HTTPException(409, "this launch's LMS course is linked to no BYOSC course")
    course_id = session.courses[0]
    try:
        quiz = quizzes.get(course_id, quiz_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    if quiz.score is None or quiz.max_score is None:
        raise HTTPException(409, f"quiz {quiz_id} is not graded yet")
    label = lti.resource_link.get("title") if lti.resource_link else None
    return ScoreToSend(
        quiz_id=quiz_id,
        course_id=course_id,
        platform_id=lti.platform_id,
        user_sub=session.sub,
        user_name=session.name if session.name != session.sub else None,
        resource_link_id=str(lti.resource_link["id"]) if lti.resource_link else None,
        ags=lti.ags,
        label=str(label or f"Practice quiz: {quiz.topic or course_id}")[:200],
        score_given=quiz.score,
        score_maximum=quiz.max_score,
    )


@router.post(
    "/lti/scores",
    status_code=202,
    summary="Send a graded quiz's score to the LMS gradebook (the student's launch)",
    dependencies=[Depends(require("chat")), Depends(rate_limit("chat"))],
    responses={
        403: {"model": ErrorMessage, "description": "Not a launch's session."},
        404: {"model": ErrorMessage, "description": "No such quiz in the session's course."},
        409: {"model": ErrorMessage, "description": "Not graded, or no grade service."},
    },
)
async def send_score(body: ScoreRequest, request: Request) -> ScoreStatus:
    """Answers at once with the score pending; GET /lti/scores shows how it went."""
    session = request.state.api_key
    if not isinstance(session, LtiSession):
        raise HTTPException(403, NEEDS_LAUNCH)
    tool = lti_tool(request.app)
    quizzes = SqlQuizStore(request.app.state.db)
    score = await run_in_threadpool(_score, session, quizzes, body.quiz_id)
    entry = await run_in_threadpool(tool.scores.record, score)
    tool.score_wakeup.set()
    return _status(entry)


@router.get(
    "/lti/scores",
    summary="Grades sent, waiting or failed for a course's LMS gradebook (instructor)",
    dependencies=[Depends(require("manage")), Depends(rate_limit("list"))],
    responses={404: {"model": ErrorMessage, "description": "No such course in the key's scope."}},
)
async def list_scores(
    request: Request, course_id: str = Query(min_length=1, max_length=64)
) -> list[ScoreStatus]:
    key = request.state.api_key
    if key is not None and not reaches(key, course_id):
        raise HTTPException(404, f"course {course_id} does not exist")
    entries = await run_in_threadpool(lti_tool(request.app).scores.for_course, course_id)
    return [_status(entry) for entry in entries]
