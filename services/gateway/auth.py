"""The gateway's guard: every routed request shows an API key (or, where enabled, a JWT an
LMS minted), and its role and course scope must allow the route (rules in
byosc/auth/access.py)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from byosc.auth.access import Access, decide, needs_course_lookup
from byosc.auth.cache import CachedKeys
from byosc.auth.job_courses import job_course
from byosc.auth.jwt_tokens import JwtVerifier, TokenRefused, looks_like_jwt
from byosc.auth.models import ApiKey
from byosc.lti.sessions import is_session_token
from byosc.settings import Settings
from services.gateway.lti_state import lti_tool
from services.gateway.routes import CourseIn

bearer = HTTPBearer(
    auto_error=False,
    description="An API key: `byosc keys create`, or POST /keys with an admin key. "
    "Where the deployment enables JWTs (auth.jwt), an LMS may instead mint a token per "
    "student, signed with the configured HS256 secret or RS256 private key, with the claims "
    "`sub` (the student; required), `exp` (required), `aud` (required, `byosc` unless "
    "configured otherwise), `iss` (required when the deployment names an issuer), `role` "
    "(`client`, the default, or `instructor`; admin tokens are refused) and `courses` (the "
    "list of course IDs the token reaches; none if absent). The session token an LTI "
    "launch ends in (issuer urn:byosc:lti, signed by the tool's keys at /lti/jwks) is "
    "accepted too.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
Guard = Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[ApiKey | None]]


def require(access: Access, course_in: CourseIn | None = None) -> Guard:
    """A dependency that lets the request through or answers 401, 403 or 404. It puts the
    caller's key on `request.state.api_key` (None when auth is off)."""

    async def guard(request: Request, credentials: Credentials) -> ApiKey | None:
        request.state.api_key = None
        if not request.app.state.settings.auth.enabled:
            return None
        key = await _authenticate(request, credentials)
        course = None
        if course_in is not None and needs_course_lookup(key):
            course = await _course_of(request, course_in)
        decision = decide(key, access, course)
        if decision == "not_found":
            # The same answer as for a course that does not exist: scopes leak no IDs.
            raise HTTPException(404, _missing(request, course_in, course))
        if decision == "forbidden":
            article = "an" if key.role[0] in "aeiou" else "a"
            raise HTTPException(403, f"{article} {key.role} key may not do this")
        request.state.api_key = key
        return key

    return guard


async def _authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> ApiKey:
    if credentials is None:
        raise _unauthorized("an API key is required: Authorization: Bearer <key>")
    token = credentials.credentials
    # The session token of an LTI launch, signed by this tool's own keys (byosc/lti/sessions.py).
    if looks_like_jwt(token) and is_session_token(token):
        try:
            return await run_in_threadpool(lti_tool(request.app).sessions.verify, token)
        except TokenRefused as refused:
            raise _invalid_token(refused) from refused
    # With JWTs off, a JWT is just an unknown key: the answer tells nothing of JWTs.
    if request.app.state.settings.auth.jwt.enabled and looks_like_jwt(token):
        try:
            return _jwt_verifier(request.app).verify(token)
        except TokenRefused as refused:
            raise _invalid_token(refused) from refused
    keys: CachedKeys = request.app.state.keys
    # A fresh lookup is reused in the event loop; only a store query goes to a thread.
    key = keys.remembered(token) or await run_in_threadpool(keys.authenticate, token)
    if key is None:
        raise _unauthorized(_unknown_key(request.app.state.settings))
    return key


def _unknown_key(settings: Settings) -> str:
    if settings.database.url is not None:
        return "unknown or revoked API key"
    # Embedded, the usual cause is a key made in another data directory than the gateway's.
    data_dir = settings.data_path.resolve()
    return (
        f"unknown or revoked API key; keys belong to one data directory and this gateway's is "
        f"{data_dir}: make keys there with BYOSC_DATA_DIR={data_dir} byosc keys create"
    )


def _jwt_verifier(app: FastAPI) -> JwtVerifier:
    """The app's verifier, built on first use if the lifespan did not build one: it holds
    the parsed RS256 key, so the key file is read once."""
    verifier: JwtVerifier | None = getattr(app.state, "jwt_verifier", None)
    if verifier is None:
        verifier = app.state.jwt_verifier = JwtVerifier(app.state.settings.auth.jwt)
    return verifier


def _invalid_token(refused: TokenRefused) -> HTTPException:
    return HTTPException(
        401, refused.reason, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def _course_of(request: Request, course_in: CourseIn) -> str:
    if course_in == "path":
        return str(request.path_params["course_id"])
    if course_in == "job":
        job_id = str(request.path_params["job_id"])
        course = await run_in_threadpool(job_course, request.app.state.db, job_id)
        if course is None:
            raise HTTPException(404, f"job {job_id} does not exist")
        return course
    return await _body_course(request, "model" if course_in == "model" else "course_id")


async def _body_course(request: Request, field: str) -> str:
    """The course ID in the body's `field`. The body stays cached on the request, so the
    same bytes are forwarded. Duplicate keys are refused: a service parsing them
    differently from this check could otherwise be sent to another course."""
    try:
        data = json.loads(await request.body(), object_pairs_hook=_unique_keys)
    except ValueError as exc:
        raise HTTPException(422, f"the body must be JSON with a {field}: {exc}") from exc
    course = data.get(field) if isinstance(data, dict) else None
    if not isinstance(course, str):
        raise HTTPException(422, f"the body must be JSON with a {field}")
    return course


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate keys in a JSON object")
    return dict(pairs)


def _missing(request: Request, course_in: CourseIn | None, course: str | None) -> str:
    if course_in == "job":
        return f"job {request.path_params['job_id']} does not exist"
    return f"course {course} does not exist"
