"""A simulated LTI 1.3 platform (an LMS) on loopback, in a thread: its own RSA keys and JWKS,
the OIDC auth endpoint that answers a login with the form-posted id_token, a token endpoint
(client credentials with a signed JWT assertion) and an AGS line-item and score endpoint
that record what they get. Claims are shaped as Moodle or Canvas send them (lti_shapes)."""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jwt.algorithms import RSAAlgorithm
from starlette.concurrency import run_in_threadpool

from tests.support.lti_shapes import (
    AGS,
    AGS_SCOPES,
    DL,
    LTI,
    CanvasShape,
    LmsCourse,
    LmsUser,
    MoodleShape,
    deep_linking_settings,
)
from tests.support.modelserver import free_port

Shape = MoodleShape | CanvasShape


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def new(cls) -> SigningKey:
        return cls(secrets.token_hex(6), rsa.generate_private_key(65537, 2048))

    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return jwk | {"kid": self.kid, "alg": "RS256", "use": "sig"}


@dataclass
class Placement:
    """What a login's lti_message_hint stands for: who launches what, where."""

    user: LmsUser
    course: LmsCourse
    message_type: str
    link_id: str


@dataclass
class SimulatedPlatform:
    shape: Shape
    issuer: str  # "" for Moodle: its issuer is the site's own URL
    client_id: str
    deployment_id: str
    port: int = field(default_factory=free_port)
    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.new()])
    tool_launch_url: str = ""  # the tool's redirect URI, as registered in the platform
    jwks_delay_s: float = 0.0
    jwks_fetches: int = 0
    placements: dict[str, Placement] = field(default_factory=dict)
    auth_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    access_tokens: list[str] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    line_items: list[dict[str, Any]] = field(default_factory=list)
    frames: dict[str, str] = field(default_factory=dict)  # course page -> its frame's URL
    # Deep linking and grades: the responses it verified, the claims a placed link's launches
    # carry (by link ID), and the statuses its score endpoint answers with before a 200
    # (`score_failures`, in order) or always (`score_fail_status`).
    tool_jwks: Any = None  # () -> the tool's JWKS; default: fetched from the tool
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)
    link_claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    deep_link_course: LmsCourse | None = None
    score_failures: list[int] = field(default_factory=list)
    score_fail_status: int | None = None
    score_attempts: int = 0

    def __post_init__(self) -> None:
        self.issuer = self.issuer or self.base_url
        self._server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def registration(self, name: str) -> dict[str, Any]:
        """What its admin pages show, as BYOSC's POST /lti/platforms takes it."""
        origins = ["https://example.instructure.com"] if self.shape.product == "canvas" else []
        return {
            "name": name,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_ids": [self.deployment_id],
            "auth_url": f"{self.base_url}/auth",
            "token_url": f"{self.base_url}/token",
            "jwks_url": f"{self.base_url}/jwks",
            "embed_origins": origins,
        }

    def user(self, sub: str, name: str, role: str) -> LmsUser:
        return LmsUser(sub, name, self.shape.roles[role])

    def login_params(
        self, user: LmsUser, course: LmsCourse, message_type: str = "LtiResourceLinkRequest"
    ) -> dict[str, str]:
        """The third-party login initiation the platform sends the browser to the tool with."""
        hint = secrets.token_urlsafe(12)
        self.placements[hint] = Placement(user, course, message_type, f"link-{course.id}")
        return {
            "iss": self.issuer,
            "login_hint": user.sub,
            "target_link_uri": self.tool_launch_url,
            "lti_message_hint": hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def course_page(
        self, user: LmsUser, course: LmsCourse, message_type: str = "LtiResourceLinkRequest"
    ) -> str:
        """The URL of an LMS page showing the tool in a frame, as the user opens it there."""
        params = self.login_params(user, course, message_type)
        hint = params["lti_message_hint"]
        tool_login = self.tool_launch_url.removesuffix("/launch") + "/login"
        self.frames[hint] = f"{tool_login}?{urlencode(params)}"
        return f"{self.base_url}/course/{hint}"

    def id_token(
        self,
        placement: Placement,
        nonce: str,
        changes: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
        key: SigningKey | None = None,
    ) -> str:
        now = int(time.time())
        user, course = placement.user, placement.course
        claims = self.shape.claims(self.base_url, user, course, placement.link_id)
        claims |= {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": placement.user.sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            LTI + "deployment_id": self.deployment_id,
            LTI + "version": "1.3.0",
            LTI + "message_type": placement.message_type,
            LTI + "target_link_uri": self.tool_launch_url,
            LTI + "roles": list(placement.user.roles),
        }
        if "azp" in claims:
            claims["azp"] = self.client_id
        if placement.message_type == "LtiDeepLinkingRequest":
            claims.pop(LTI + "resource_link", None)
            claims[DL] = deep_linking_settings(self.base_url)
            self.deep_link_course = course
        else:
            claims |= self.link_claims.get(placement.link_id, {})
        claims |= changes or {}
        for name in drop:
            claims.pop(name, None)
        signer = key or self.keys[-1]
        return jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    def accept_deep_link(self, token: str) -> dict[str, Any]:
        """What the platform does with a deep-linking response posted to its return URL:
        verify it against the tool's JWKS, and place its link in the course the request came
        from, with a line item when it asks for one (Moodle then names that line item in the
        link's launches; Canvas gives only the container)."""
        jwks = self.tool_jwks() if self.tool_jwks else self._fetch_tool_jwks()
        kid = jwt.get_unverified_header(token)["kid"]
        [jwk] = [k for k in jwks["keys"] if k["kid"] == kid]
        claims: dict[str, Any] = jwt.decode(
            token,
            RSAAlgorithm.from_jwk(json.dumps(jwk)),  # type: ignore[arg-type]
            algorithms=["RS256"],
            audience=self.issuer,
            issuer=self.client_id,
            options={"require": ["exp", "iat", "nonce"]},
        )
        assert claims[LTI + "deployment_id"] == self.deployment_id
        assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
        self.deep_link_responses.append(claims)
        assert self.deep_link_course is not None
        link_id = f"link-{self.deep_link_course.id}"
        item = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"][0]
        ags: dict[str, Any] = {"scope": AGS_SCOPES, "lineitems": f"{self.base_url}/lineitems"}
        if "lineItem" in item:
            line_item = item["lineItem"] | {"resourceLinkId": link_id}
            line_item["id"] = f"{self.base_url}/lineitems/{len(self.line_items) + 1}"
            self.line_items.append(line_item)
            if self.shape.product == "moodle":
                ags["lineitem"] = line_item["id"]
        self.link_claims[link_id] = {
            LTI + "resource_link": {"id": link_id, "title": item["title"]},
            LTI + "custom": item.get("custom", {}),
            AGS: ags,
        }
        return claims

    def _fetch_tool_jwks(self) -> dict[str, Any]:
        tool = self.tool_launch_url.removesuffix("/launch")
        jwks: dict[str, Any] = httpx.get(f"{tool}/jwks", timeout=10).json()
        return jwks

    def rotate_key(self) -> SigningKey:
        """A new signing key; the JWKS lists only the new one, as after a platform's rotation."""
        self.keys = [SigningKey.new()]
        return self.keys[0]

    def start(self) -> SimulatedPlatform:
        config = uvicorn.Config(_app(self), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the simulated platform did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


def _app(platform: SimulatedPlatform) -> FastAPI:
    app = FastAPI()

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        platform.jwks_fetches += 1
        time.sleep(platform.jwks_delay_s)  # a platform too slow to answer
        return {"keys": [key.jwk() for key in platform.keys]}

    @app.api_route("/auth", methods=["GET", "POST"])
    async def auth(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params |= {k: str(v) for k, v in (await request.form()).items()}
        platform.auth_requests.append(params)
        problem = _auth_problem(platform, params)
        if problem:
            return JSONResponse({"error": "invalid_request", "error_description": problem}, 400)
        placement = platform.placements[params["lti_message_hint"]]
        token = platform.id_token(placement, params["nonce"])
        return HTMLResponse(_form_post(params["redirect_uri"], token, params["state"]))

    @app.get("/course/{hint}")
    def course_page(hint: str) -> HTMLResponse:
        frame = html.escape(platform.frames[hint])
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><title>LMS course</title></head><body>'
            f'<h1>LMS course</h1><iframe title="BYOSC" src="{frame}" width="1100" height="800">'
            "</iframe></body></html>"
        )

    @app.post("/token")
    async def token(request: Request) -> dict[str, Any]:
        form = {k: str(v) for k, v in (await request.form()).items()}
        platform.token_requests.append(form)
        platform.access_tokens.append(secrets.token_urlsafe(16))
        return {
            "access_token": platform.access_tokens[-1],
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": form.get("scope", ""),
        }

    @app.post("/deep_linking_response")
    async def deep_linking_response(request: Request) -> HTMLResponse:
        form = await request.form()
        claims = await run_in_threadpool(platform.accept_deep_link, str(form["JWT"]))
        return HTMLResponse(f"<p>Placed: {html.escape(str(claims.get('nonce')))}</p>")

    @app.api_route("/lineitems", methods=["GET", "POST"])
    async def line_items(request: Request) -> Any:
        if request.method == "GET":
            wanted = request.query_params
            return [
                item
                for item in platform.line_items
                if all(
                    item.get(key) == wanted[param]
                    for key, param in (("resourceLinkId", "resource_link_id"), ("tag", "tag"))
                    if param in wanted
                )
            ]
        item = await request.json()
        item["id"] = f"{platform.base_url}/lineitems/{len(platform.line_items) + 1}"
        platform.line_items.append(item)
        return JSONResponse(item, status_code=201)

    @app.post("/lineitems/{item}/scores")
    async def score(item: str, request: Request) -> Any:
        platform.score_attempts += 1
        failing = platform.score_failures.pop(0) if platform.score_failures else None
        failing = failing or platform.score_fail_status
        if failing:
            return JSONResponse({"error": "the gradebook is unavailable"}, status_code=failing)
        platform.scores.append(
            {
                "line_item": item,
                "authorization": request.headers.get("authorization"),
                "content_type": request.headers.get("content-type"),
                "body": await request.json(),
            }
        )
        return {}

    return app


def _auth_problem(platform: SimulatedPlatform, params: dict[str, str]) -> str | None:
    """What the OIDC authentication request gets wrong, as a platform checks it."""
    expected = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": platform.tool_launch_url,
    }
    for name, value in expected.items():
        if params.get(name) != value:
            return f"{name} must be {value!r}, not {params.get(name)!r}"
    for name in ("nonce", "state", "login_hint", "lti_message_hint"):
        if not params.get(name):
            return f"{name} is missing"
    placement = platform.placements.get(params["lti_message_hint"])
    if placement is None or placement.user.sub != params["login_hint"]:
        return "unknown lti_message_hint or login_hint"
    return None


def _form_post(action: str, id_token: str, state: str) -> str:
    """The auto-submitting form (OIDC form_post response mode) a platform answers with."""
    fields = {"id_token": id_token, "state": state}
    inputs = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    return (
        f'<form id="lti" method="post" action="{html.escape(action)}">{inputs}</form>'
        "<script>document.getElementById('lti').submit()</script>"
    )
