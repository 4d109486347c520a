"""Deep linking: an instructor's LtiDeepLinkingRequest launch lands in the web app's
#lti-deep-link view, which picks what to place and asks for the signed response.

POST /lti/deep-link (bearer: the session token) answers the response JWT and the return URL.
POST /lti/deep-link/submit takes the same choice as a form post with the token in a field
(the browser's way out of the web app) and answers a page whose form, submitted by
web/js/lti_return.js, posts the JWT to the platform's return URL: its Content-Security-Policy
lets forms go to that URL's origin, and nowhere else but this one."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from byosc.auth.jwt_tokens import TokenRefused
from byosc.lti.deep_linking import (
    REQUEST_TYPE,
    PlacementChoice,
    content_item,
    deep_linking_response,
    return_url,
)
from byosc.lti.models import SecureUrl, origin_of
from byosc.lti.sessions import LtiSession
from services.gateway.auth import require
from services.gateway.limits import rate_limit
from services.gateway.lti_contexts import NEEDS_LAUNCH
from services.gateway.lti_launch import LAUNCH_PATH
from services.gateway.lti_pages import message_page, page
from services.gateway.lti_state import LtiTool, lti_tool
from services.gateway.openapi import ErrorMessage

router = APIRouter(tags=["lti"])

_URL = TypeAdapter(SecureUrl)


class DeepLinkAnswer(BaseModel):
    jwt: str = Field(description="The signed LtiDeepLinkingResponse.")
    return_url: str = Field(description="Where to form-post it (field JWT).")


def _deep_link(
    request: Request, tool: LtiTool, key: object, choice: PlacementChoice
) -> DeepLinkAnswer:
    if not isinstance(key, LtiSession):
        raise HTTPException(403, NEEDS_LAUNCH)
    lti = key.lti
    if lti.message_type != REQUEST_TYPE or lti.deep_linking is None:
        raise HTTPException(403, "this session comes from no deep-linking launch")
    if key.role != "instructor":
        raise HTTPException(403, "only an instructor places BYOSC in an LMS course")
    try:
        target = _URL.validate_python(return_url(lti))
    except ValidationError as exc:
        raise HTTPException(409, "the LMS gave no usable deep-linking return URL") from exc
    course = lti.context.title or lti.context.label or lti.context.id
    item = content_item(choice, tool.public_url(request) + LAUNCH_PATH, course)
    signed = deep_linking_response(tool.keyring.signing_key(), lti, [item])
    return DeepLinkAnswer(jwt=signed, return_url=target)


@router.post(
    "/lti/deep-link",
    summary="Sign the deep-linking response for what the instructor placed",
    dependencies=[Depends(require("manage")), Depends(rate_limit("manage"))],
    responses={
        403: {"model": ErrorMessage, "description": "Not an instructor's deep link."},
        409: {"model": ErrorMessage, "description": "The LMS gave no usable return URL."},
    },
)
async def deep_link(choice: PlacementChoice, request: Request) -> DeepLinkAnswer:
    tool = lti_tool(request.app)
    key = request.state.api_key
    return await run_in_threadpool(_deep_link, request, tool, key, choice)


@router.post("/lti/deep-link/submit", include_in_schema=False)
async def submit(
    request: Request,
    token: Annotated[str, Form(max_length=8000)],
    placement: Annotated[str, Form(max_length=20)],
    topic: Annotated[str, Form(max_length=200)] = "",
    n: Annotated[int, Form()] = 5,
    title: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    tool = lti_tool(request.app)
    try:
        choice = PlacementChoice.model_validate(
            {"placement": placement, "topic": topic or None, "n": n, "title": title or None}
        )
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]) for e in exc.errors())
        return await message_page(request.app, 422, "BYOSC cannot place this", reason)
    try:
        session = await run_in_threadpool(tool.sessions.verify, token)
        answer = await run_in_threadpool(_deep_link, request, tool, session, choice)
    except TokenRefused as refused:
        return await message_page(request.app, 401, "BYOSC cannot place this", str(refused))
    except HTTPException as refused:
        return await message_page(
            request.app, refused.status_code, "BYOSC cannot place this", str(refused.detail)
        )
    head = '  <script type="module" src="/web/js/lti_return.js"></script>\n'
    body = (
        f'    <form id="lti-return" method="post" action="{escape(answer.return_url)}">\n'
        f'      <input type="hidden" name="JWT" value="{escape(answer.jwt)}">\n'
        "      <p>Sending your choice to the LMS…</p>\n"
        '      <noscript><button type="submit">Continue</button></noscript>\n'
        "    </form>\n"
    )
    return await page(
        request.app, 200, "Placing BYOSC", head, body, form_to=origin_of(answer.return_url)
    )
