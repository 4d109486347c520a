"""Admin endpoints for LTI platform registrations (the same as `byosc lti platforms`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from byosc.lti.models import Platform, PlatformRequest
from services.gateway.auth import require
from services.gateway.limits import rate_limit
from services.gateway.lti_state import LtiTool, lti_tool
from services.gateway.openapi import ErrorMessage

router = APIRouter(
    tags=["lti"], dependencies=[Depends(require("admin")), Depends(rate_limit("admin"))]
)


def _changed(tool: LtiTool, platform: Platform) -> None:
    """A registration came or went: the frame origins are read again, and the platform's keys
    fetched afresh from its (possibly new) JWKS URL."""
    tool.frame_ancestors.invalidate()
    tool.platform_keys.forget(platform.jwks_url)


@router.post(
    "/lti/platforms",
    status_code=201,
    summary="Register an LMS platform (admin)",
    responses={409: {"model": ErrorMessage, "description": "Issuer and client ID taken."}},
)
async def add_platform(body: PlatformRequest, request: Request) -> Platform:
    """What the LMS shows its admin once BYOSC is added there: issuer, client ID, deployment
    IDs and its OIDC auth, token and JWKS URLs (see GET /lti/config for ours)."""
    tool = lti_tool(request.app)
    platform = await run_in_threadpool(tool.platforms.add, body)
    _changed(tool, platform)
    return platform


@router.get("/lti/platforms", summary="List the registered LMS platforms (admin)")
async def list_platforms(request: Request) -> list[Platform]:
    return await run_in_threadpool(lti_tool(request.app).platforms.list)


@router.delete(
    "/lti/platforms/{platform_id}",
    summary="Remove an LMS platform (admin)",
    responses={404: {"model": ErrorMessage, "description": "No such registration."}},
)
async def remove_platform(platform_id: str, request: Request) -> Platform:
    """Its launches are refused from now on; the links of its contexts to courses stay (a
    registration made again for the same issuer finds them)."""
    tool = lti_tool(request.app)
    platform = await run_in_threadpool(tool.platforms.remove, platform_id)
    _changed(tool, platform)
    return platform
