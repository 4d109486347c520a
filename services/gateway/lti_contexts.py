"""An instructor's first launch in an LMS course that no BYOSC course stands for yet: the
web app's setup view reads GET /lti/contexts and either creates a course (through the
ingest service, as POST /courses does) or links an existing one, then carries on with the
fresh session token POST /lti/contexts answers, scoped to that course.

Both take the session token of a launch. Creating needs the instructor role of that launch.
Linking an existing course needs more, as the course's material and students are someone's:
the course was linked from this LMS by the same LMS user before (a new term, a second
section), or the request carries an API key that manages it (admin, or its instructor)."""

from __future__ import annotations

from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from byosc.auth.key_courses import missing_courses
from byosc.domain import CourseId
from byosc.lti.contexts import course_id_from
from byosc.lti.models import ContextLink, LmsContext
from byosc.lti.sessions import LtiSession
from byosc.request_ids import request_id_headers
from services.gateway.auth import require
from services.gateway.limits import rate_limit
from services.gateway.lti_state import LtiTool, lti_tool
from services.gateway.openapi import ErrorMessage

router = APIRouter(tags=["lti"])

NEEDS_LAUNCH = "this route takes the session token of an LMS launch (open BYOSC from the LMS)"


class ContextSetup(BaseModel):
    context: LmsContext = Field(description="The LMS course of the launch.")
    course_id: str | None = Field(description="The BYOSC course it is linked to, if any.")
    suggested_course_id: str = Field(description="A free course ID made of its label.")
    suggested_name: str
    linkable_courses: list[str] = Field(
        description="Courses this LMS user linked from this LMS before: linkable without a key."
    )


class ContextRequest(BaseModel):
    action: Literal["create", "link"] = Field(description="Create a new course, or link one.")
    course_id: CourseId
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="create: the course's name (default: the LMS course's title).",
    )
    key: str | None = Field(
        default=None,
        max_length=300,
        description="link: an API key that manages the course (admin, or its instructor); "
        "not needed for a course this LMS user linked from this LMS before.",
    )


class ContextLinked(BaseModel):
    course_id: str
    created: bool = Field(description="True when the course was made by this request.")
    token: str = Field(description="A session token for that course: the new bearer.")


def _session(request: Request) -> LtiSession:
    key = request.state.api_key
    if not isinstance(key, LtiSession):
        raise HTTPException(403, NEEDS_LAUNCH)
    return key


SessionDep = Annotated[LtiSession, Depends(_session)]


@router.get(
    "/lti/contexts",
    summary="The launch's LMS course and how it can be set up",
    dependencies=[Depends(require("list")), Depends(rate_limit("list"))],
)
async def context_setup(request: Request, session: SessionDep) -> ContextSetup:
    tool = lti_tool(request.app)
    lti = session.lti
    link = await run_in_threadpool(tool.contexts.get, lti.issuer, lti.deployment_id, lti.context.id)
    base = course_id_from(lti.context.label or lti.context.title or "", lti.context.id)
    candidates = [base, *(f"{base}-{n}" for n in range(2, 10))]
    free = await run_in_threadpool(missing_courses, request.app.state.db, candidates)
    linkable = await run_in_threadpool(tool.contexts.courses_linked_by, lti.issuer, session.sub)
    return ContextSetup(
        context=lti.context,
        course_id=link.course_id if link else None,
        suggested_course_id=free[0] if free else base,
        suggested_name=lti.context.title or lti.context.label or base,
        linkable_courses=linkable,
    )


@router.post(
    "/lti/contexts",
    status_code=201,
    summary="Create or link the BYOSC course of the launch's LMS course (its instructor)",
    dependencies=[Depends(require("manage")), Depends(rate_limit("manage"))],
    responses={
        404: {"model": ErrorMessage, "description": "The course to link does not exist."},
        409: {"model": ErrorMessage, "description": "Linked already, or the course ID taken."},
        429: {"model": ErrorMessage, "description": "Too many requests."},
        502: {"model": ErrorMessage, "description": "The ingest service refused the course."},
        503: {"model": ErrorMessage, "description": "The ingest service is unreachable."},
        504: {"model": ErrorMessage, "description": "The ingest service did not answer."},
    },
)
async def set_up_context(
    body: ContextRequest, request: Request, session: SessionDep
) -> ContextLinked:
    tool = lti_tool(request.app)
    lti = session.lti
    if await run_in_threadpool(tool.contexts.get, lti.issuer, lti.deployment_id, lti.context.id):
        raise HTTPException(
            409,
            "this LMS course is linked to a BYOSC course already: open BYOSC again from the LMS",
        )
    if body.action == "create":
        name = body.name or lti.context.title or body.course_id
        await _create_course(request, body.course_id, name)
    else:
        await run_in_threadpool(_check_may_link, request, tool, session, body)
    link = ContextLink(
        issuer=lti.issuer,
        deployment_id=lti.deployment_id,
        context_id=lti.context.id,
        course_id=body.course_id,
        platform_id=lti.platform_id,
        linked_by=session.sub,
    )
    await run_in_threadpool(tool.contexts.link, link)
    token = await run_in_threadpool(
        tool.issue_session, session.sub, session.name, "instructor", [body.course_id], lti
    )
    return ContextLinked(course_id=body.course_id, created=body.action == "create", token=token)


async def _create_course(request: Request, course_id: str, name: str) -> None:
    ingest = request.app.state.settings.services.ingest.rstrip("/")
    client: httpx.AsyncClient = request.app.state.http
    try:
        answer = await client.post(
            f"{ingest}/courses",
            json={"id": course_id, "name": name[:200]},
            headers=request_id_headers(),
        )
    except httpx.TimeoutException as exc:
        raise HTTPException(504, f"service unavailable: {ingest} timed out") from exc
    except httpx.TransportError as exc:
        raise HTTPException(503, f"service unavailable: {ingest} is unreachable") from exc
    if answer.status_code == 409:
        raise HTTPException(409, f"course {course_id} exists already: choose another ID")
    if not answer.is_success:
        raise HTTPException(502, f"the ingest service refused the course: {answer.text[:300]}")


def _check_may_link(
    request: Request, tool: LtiTool, session: LtiSession, body: ContextRequest
) -> None:
    course_id = body.course_id
    if course_id not in tool.contexts.courses_linked_by(session.lti.issuer, session.sub):
        if body.key is None:
            raise HTTPException(
                403,
                f"to link course {course_id}, give an API key that "
                "manages it (admin, or its instructor)",
            )
        key = request.app.state.keys.authenticate(body.key)
        if key is None:
            raise HTTPException(403, "the API key is unknown or revoked")
        if not (key.role == "admin" or (key.role == "instructor" and course_id in key.courses)):
            raise HTTPException(403, f"that API key does not manage course {course_id}")
    if missing_courses(request.app.state.db, [course_id]):
        raise HTTPException(404, f"course {course_id} does not exist")
