"""The web app: static pages the gateway serves at `/`, and `/me`, which tells the page who
the bearer is.

Plain HTML, CSS and JavaScript modules, no build step: the browser runs the files as they
are in the repository, so `make` has nothing to compile and a reader sees what runs. The
page talks to the same public API as every other client, with the key in a bearer header
from the tab's sessionStorage; nothing here reads or sets a cookie.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byosc.auth.models import Role
from byosc.lti.models import LtiClaim
from byosc.lti.sessions import LtiSession
from services.gateway.auth import require
from services.gateway.limits import rate_limit
from services.gateway.lti_state import frame_origins

WEB_DIR = Path(__file__).parent / "web"
# Scripts and styles from this origin only (no inline code, no eval); the sources a
# citation opens are fetched with the key and shown from blob: URLs.
_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "frame-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
]


def page_headers(frame_ancestors: Sequence[str] = ()) -> dict[str, str]:
    """The pages' security headers. `frame_ancestors`: the origins that may show the page
    in a frame (the registered LMS platforms, services/gateway/lti_state.py); none if empty."""
    ancestors = " ".join(frame_ancestors) or "'none'"
    return {
        "content-security-policy": "; ".join([*_POLICY, f"frame-ancestors {ancestors}"]),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        # A new release's files reach the next page load; no stale script talks to a newer API.
        "cache-control": "no-cache",
    }


async def headers_for(app: FastAPI) -> dict[str, str]:
    return page_headers(await frame_origins(app))


class Me(BaseModel):
    """The caller as the gateway sees it: what the page may offer."""

    name: str
    role: Role
    courses: list[str] = Field(description="The courses in the key's scope; all for admins.")
    all_courses: bool = Field(description="True for admin keys, which reach every course.")
    lti: LtiClaim | None = Field(
        default=None, description="The LMS launch, when the bearer is an LTI session token."
    )


def _me(request: Request) -> Me:
    key = request.state.api_key
    if key is None:  # auth disabled: the page acts as an admin would
        return Me(name="anonymous", role="admin", courses=[], all_courses=True)
    lti = key.lti if isinstance(key, LtiSession) else None
    return Me(
        name=key.name, role=key.role, courses=key.courses, all_courses=key.role == "admin", lti=lti
    )


me_router = APIRouter(tags=["web"])
me_router.add_api_route(
    "/me",
    _me,
    methods=["GET"],
    summary="The caller: name, role and course scope of its key or token",
    dependencies=[Depends(require("list")), Depends(rate_limit("list"))],
)


class PageHeaders:
    """Adds the page's security headers to everything under the web app's paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = await headers_for(scope["app"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                headers += [(k.encode(), v.encode()) for k, v in page.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_web_app(app: FastAPI) -> None:
    app.include_router(me_router)

    async def index(request: Request) -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", headers=await headers_for(request.app))

    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount("/web", PageHeaders(StaticFiles(directory=WEB_DIR)), name="web")
