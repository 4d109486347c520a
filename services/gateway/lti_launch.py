"""LTI 1.3 login initiation and launch: the browser-facing half of the tool.

GET or POST /lti/login: the platform's third-party login initiation; answers a redirect to
the platform's OIDC auth URL. POST /lti/launch: the platform's form post of the id_token;
answers the hand-over page carrying a session token (services/gateway/lti_pages.py), or a
page saying why not. Every refusal is a page with a short reason; the detail is logged
with the request ID. No answer is a 500: anything unforeseen is a 503 page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from byosc.lti.deep_linking import REQUEST_TYPE as DEEP_LINKING
from byosc.lti.launch import Launch, LaunchRefused, verify_launch
from byosc.lti.login import login_redirect
from services.gateway.lti_pages import message_page, session_page
from services.gateway.lti_state import LtiTool, lti_tool

log = logging.getLogger(__name__)

router = APIRouter(tags=["lti"], include_in_schema=False)

LAUNCH_PATH = "/lti/launch"
NOT_SET_UP = (
    "Your instructor has not set up BYOSC for this course yet. Try again once they have "
    "opened it from the course."
)


async def _params(request: Request) -> dict[str, str]:
    """Query parameters, and form fields of a POST (LTI allows both for these requests)."""
    params = dict(request.query_params)
    if request.method == "POST":
        try:
            form = await request.form()
        except Exception as exc:  # a body that is not a form: the parser's own error kinds
            raise LaunchRefused(400, "The LMS sent a malformed request.", f"form: {exc}") from exc
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


async def _answer(request: Request, step: Callable[[], Awaitable[Response]]) -> Response:
    try:
        return await step()
    except LaunchRefused as refused:
        log.warning("lti %s refused (%s): %s", request.url.path, refused.status, refused.detail)
        return await message_page(
            request.app, refused.status, "BYOSC cannot open here", refused.reason
        )
    except Exception:
        log.exception("lti %s failed", request.url.path)
        return await message_page(
            request.app,
            503,
            "BYOSC cannot open here",
            "Something went wrong on our side; try again in a moment.",
        )


@router.api_route("/lti/login", methods=["GET", "POST"])
async def login(request: Request) -> Response:
    async def step() -> Response:
        tool = lti_tool(request.app)
        params = await _params(request)
        launch_url = tool.public_url(request) + LAUNCH_PATH
        target = await run_in_threadpool(
            login_redirect,
            params,
            launch_url,
            tool.platforms,
            tool.states,
            tool.settings.state_ttl_s,
        )
        return RedirectResponse(target, status_code=302, headers={"cache-control": "no-store"})

    return await _answer(request, step)


@router.post(LAUNCH_PATH)
async def launch(request: Request) -> Response:
    async def step() -> Response:
        tool = lti_tool(request.app)
        params = await _params(request)
        if "error" in params:
            # The platform's OIDC answer when it could not sign the user in (prompt=none).
            raise LaunchRefused(
                400,
                "The LMS could not sign you in to BYOSC. Open it again from your course.",
                f"platform error {params['error']!r}: {params.get('error_description', '')!r}",
            )
        id_token, state = params.get("id_token"), params.get("state")
        if not id_token or not state:
            raise LaunchRefused(
                400,
                "This page is opened from a course in the LMS, not directly.",
                "launch without id_token or state",
            )
        checked = await run_in_threadpool(
            verify_launch,
            id_token,
            state,
            tool.platforms,
            tool.states,
            tool.platform_keys,
            tool.settings.leeway_s,
        )
        return await _signed_in(request, tool, checked)

    return await _answer(request, step)


async def _signed_in(request: Request, tool: LtiTool, checked: Launch) -> Response:
    claim = checked.claim
    link = await run_in_threadpool(
        tool.contexts.get, claim.issuer, claim.deployment_id, claim.context.id
    )
    if link is None and checked.role != "instructor":
        log.info("lti launch by a learner in unlinked context %r", claim.context.id)
        return await message_page(request.app, 404, "Not set up yet", NOT_SET_UP)
    if link is None:
        landing = "#lti-setup"
    elif claim.message_type == DEEP_LINKING:
        landing = "#lti-deep-link"
    else:
        landing = "#instructor" if checked.role == "instructor" else "#student"
    courses = [link.course_id] if link else []
    token = await run_in_threadpool(
        tool.issue_session, checked.sub, checked.name, checked.role, courses, claim
    )
    log.info(
        "lti launch: platform %s, context %r, role %s, course %s",
        claim.platform_id,
        claim.context.id,
        checked.role,
        link.course_id if link else None,
    )
    return await session_page(request.app, token, landing)
