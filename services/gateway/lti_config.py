"""What an LMS needs to know of the tool: its public keys (GET /lti/jwks) and every URL an
LMS admin pastes when registering it (GET /lti/config, and Canvas's JSON form of the same at
GET /lti/config/canvas). Public: nothing here is secret."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from byosc.lti.claims import AGS_SCOPES, MESSAGE_TYPES
from services.gateway.lti_state import lti_tool

router = APIRouter(tags=["lti"])

TITLE = "BYOSC study buddy"
DESCRIPTION = "Answers students' questions from the course's own material, with citations."


class ToolConfig(BaseModel):
    title: str
    description: str
    public_url: str = Field(description="The base of every URL here (gateway.lti.public_url).")
    login_url: str = Field(description="OIDC login initiation URL (Moodle: 'Initiate login URL').")
    launch_url: str = Field(description="Target link URI and the only redirect URI.")
    redirect_uris: list[str]
    deep_linking_url: str = Field(description="Where deep-linking requests go: the launch URL.")
    jwks_url: str = Field(description="The tool's public keyset (Moodle: 'Public keyset').")
    canvas_config_url: str = Field(description="Canvas's JSON configuration of the tool.")
    scopes: list[str] = Field(description="Services the tool asks for: grades (AGS).")
    message_types: list[str]


def _config(request: Request) -> ToolConfig:
    base = lti_tool(request.app).public_url(request)
    launch = f"{base}/lti/launch"
    return ToolConfig(
        title=TITLE,
        description=DESCRIPTION,
        public_url=base,
        login_url=f"{base}/lti/login",
        launch_url=launch,
        redirect_uris=[launch],
        deep_linking_url=launch,
        jwks_url=f"{base}/lti/jwks",
        canvas_config_url=f"{base}/lti/config/canvas",
        scopes=AGS_SCOPES,
        message_types=list(MESSAGE_TYPES),
    )


@router.get("/lti/jwks", summary="The tool's public keys (JWKS)")
async def jwks(request: Request) -> JSONResponse:
    """The signing key and the retired keys whose tokens may still be alive."""
    keys = await run_in_threadpool(lti_tool(request.app).keyring.jwks)
    # Short, so a platform checking a token signed by a new key soon sees it.
    return JSONResponse(keys, headers={"cache-control": "max-age=60"})


@router.get("/lti/config", summary="The URLs an LMS admin registers the tool with")
async def tool_config(request: Request) -> ToolConfig:
    return _config(request)


@router.get("/lti/config/canvas", summary="The tool's configuration in Canvas's JSON form")
async def canvas_config(request: Request) -> dict[str, Any]:
    """For Canvas's Developer Keys > + LTI Key > Method 'Enter URL'."""
    config = _config(request)
    placement = {"message_type": "LtiResourceLinkRequest", "target_link_uri": config.launch_url}
    deep_link = {"message_type": "LtiDeepLinkingRequest", "target_link_uri": config.launch_url}
    return {
        "title": config.title,
        "description": config.description,
        "oidc_initiation_url": config.login_url,
        "target_link_uri": config.launch_url,
        "public_jwk_url": config.jwks_url,
        "scopes": config.scopes,
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urlsplit(config.public_url).netloc,
                "privacy_level": "name_only",
                "settings": {
                    "text": config.title,
                    "placements": [
                        {"placement": "course_navigation", "text": config.title, **placement},
                        {"placement": "link_selection", "text": config.title, **deep_link},
                        {"placement": "assignment_selection", "text": config.title, **deep_link},
                    ],
                },
            }
        ],
    }
