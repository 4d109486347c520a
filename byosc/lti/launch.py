"""The launch: the id_token a platform posts back, checked as LTI 1.3 requires (core spec
section 5.1.3 and the security framework's 5.1.3): the login's state (single use, bound to
its registration), the signature against the platform's JWKS, iss, aud, azp, exp, iat, the
nonce, the deployment ID, the LTI version, the message type and the claims it must carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from byosc.auth.models import Role
from byosc.lti import claims as c
from byosc.lti.models import LmsContext, LtiClaim, Platform
from byosc.lti.platform_keys import KeysUnavailable, PlatformKeys, UnknownKey
from byosc.lti.platforms import SqlPlatformStore
from byosc.lti.states import SqlLaunchStates

# Custom parameters travel in every request's session token: bounded, so a platform's
# long list cannot make the bearer header too large for the server.
MAX_CUSTOM = 50
MAX_CUSTOM_VALUE = 500
START_AGAIN = "Open BYOSC again from your course in the LMS."


class LaunchRefused(Exception):
    """`reason` is shown to the user; `detail` goes to the log with the request ID."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Launch:
    platform: Platform
    sub: str
    name: str | None
    role: Role
    claim: LtiClaim


def verify_launch(
    id_token: str,
    state: str,
    platforms: SqlPlatformStore,
    states: SqlLaunchStates,
    keys: PlatformKeys,
    leeway_s: float,
) -> Launch:
    """The checked launch, or LaunchRefused. Blocking (database, JWKS): call from a thread."""
    saved = states.consume(state)
    if saved is None:
        raise LaunchRefused(
            400,
            f"This sign-in has expired or was used already. {START_AGAIN}",
            "state unknown, used or expired",
        )
    platform = platforms.get(saved.platform_id)
    if platform is None:
        raise LaunchRefused(
            400,
            "This LMS is not registered with BYOSC any more.",
            f"platform {saved.platform_id} was removed during the login",
        )
    key = _signing_key(id_token, platform, keys)
    claims = _decoded(id_token, key, platform, leeway_s)
    if claims["nonce"] != saved.nonce:
        raise LaunchRefused(
            400,
            f"The LMS answered another sign-in. {START_AGAIN}",
            "nonce does not match the login's",
        )
    return _launch(claims, platform)


def _signing_key(id_token: str, platform: Platform, keys: PlatformKeys) -> Any:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.InvalidTokenError as exc:
        raise LaunchRefused(
            400, "The LMS sent a malformed launch.", f"id_token header: {exc}"
        ) from exc
    if header.get("alg") != "RS256":
        raise LaunchRefused(
            400,
            "The LMS signed the launch with an algorithm BYOSC does not accept.",
            f"alg {header.get('alg')!r}, RS256 required",
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise LaunchRefused(400, "The LMS sent a launch without a key ID.", "no kid in the header")
    try:
        return keys.key(platform.jwks_url, kid)
    except KeysUnavailable as exc:
        raise LaunchRefused(
            502,
            "BYOSC could not fetch the LMS's signing keys to check this launch. "
            "Try again later; if it persists, tell your LMS administrator.",
            str(exc),
        ) from exc
    except UnknownKey as exc:
        raise LaunchRefused(
            401, "The launch is signed with a key the LMS does not publish.", str(exc)
        ) from exc


_REQUIRED = ["exp", "iat", "iss", "aud", "sub", "nonce"]
_TOKEN_ERRORS: list[tuple[type[jwt.InvalidTokenError], str]] = [
    (jwt.ExpiredSignatureError, f"The launch has expired. {START_AGAIN}"),
    (jwt.InvalidSignatureError, "The launch's signature does not match the LMS's key."),
    (jwt.InvalidAudienceError, "The launch was meant for another tool."),
    (jwt.InvalidIssuerError, "The launch came from another LMS than the sign-in."),
    (jwt.ImmatureSignatureError, "The launch is dated in the future; check the LMS's clock."),
    (jwt.InvalidTokenError, "The LMS sent a malformed launch."),
]


def _decoded(id_token: str, key: Any, platform: Platform, leeway_s: float) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=leeway_s,
            options={"require": _REQUIRED},
        )
    except jwt.MissingRequiredClaimError as exc:
        raise _missing(exc.claim) from exc
    except jwt.InvalidTokenError as exc:
        reason = next(text for kind, text in _TOKEN_ERRORS if isinstance(exc, kind))
        raise LaunchRefused(401, reason, f"id_token refused: {type(exc).__name__}: {exc}") from exc
    audience = claims["aud"]
    azp = claims.get("azp")
    # Several audiences: the authorized party must be this tool (security framework 5.1.3).
    if isinstance(audience, list) and len(audience) > 1 and azp is None:
        raise _missing("azp")
    if azp is not None and azp != platform.client_id:
        raise LaunchRefused(
            401,
            "The launch was meant for another tool.",
            f"azp {azp!r} is not client_id {platform.client_id!r}",
        )
    return claims


def _missing(claim: str) -> LaunchRefused:
    return LaunchRefused(
        400,
        "The LMS left out information the launch needs (tell your LMS administrator).",
        f"missing claim {claim}",
    )


def _launch(claims: dict[str, Any], platform: Platform) -> Launch:
    if claims.get(c.VERSION) != c.LTI_VERSION:
        raise LaunchRefused(
            400,
            "The LMS speaks another LTI version than 1.3.",
            f"version {claims.get(c.VERSION)!r}",
        )
    message_type = claims.get(c.MESSAGE_TYPE)
    if message_type not in c.MESSAGE_TYPES:
        raise LaunchRefused(
            400, "BYOSC does not handle this kind of LTI launch.", f"message_type {message_type!r}"
        )
    deployment = claims.get(c.DEPLOYMENT_ID)
    if not isinstance(deployment, str) or not deployment:
        raise _missing(c.DEPLOYMENT_ID)
    if deployment not in platform.deployment_ids:
        raise LaunchRefused(
            403,
            "This deployment of BYOSC in the LMS is not registered (tell your LMS administrator).",
            f"deployment {deployment!r} not among {platform.deployment_ids}",
        )
    roles = _strings(claims, c.ROLES)
    context = _object(claims, c.CONTEXT)
    if not isinstance(context.get("id"), str) or not context["id"]:
        raise _missing(c.CONTEXT + ".id")
    resource_link = None
    settings = None
    if message_type == c.RESOURCE_LINK_REQUEST:
        resource_link = _object(claims, c.RESOURCE_LINK)
        if not isinstance(resource_link.get("id"), str) or not resource_link["id"]:
            raise _missing(c.RESOURCE_LINK + ".id")
        if not isinstance(claims.get(c.TARGET_LINK_URI), str):
            raise _missing(c.TARGET_LINK_URI)
    else:
        settings = _object(claims, c.DEEP_LINKING_SETTINGS)
        if not isinstance(settings.get("deep_link_return_url"), str):
            raise _missing(c.DEEP_LINKING_SETTINGS + ".deep_link_return_url")
    role = c.byosc_role(roles)
    if role is None:
        raise LaunchRefused(
            403,
            "Your role in this course does not give access to BYOSC.",
            f"no mapped role among {roles}",
        )
    if settings is not None and role != "instructor":
        raise LaunchRefused(
            403, "Only instructors place BYOSC in a course.", "deep linking request from a learner"
        )
    sub = claims["sub"]
    if not isinstance(sub, str) or not 0 < len(sub) <= 255:
        raise LaunchRefused(400, "The LMS sent no usable user ID.", f"sub {sub!r}")
    claim = LtiClaim(
        platform_id=platform.id,
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_id=deployment,
        message_type=message_type,
        context=LmsContext(
            id=context["id"], label=_text(context.get("label")), title=_text(context.get("title"))
        ),
        resource_link=resource_link,
        roles=roles,
        custom=_custom(claims.get(c.CUSTOM)),
        ags=_optional_object(claims, c.AGS_ENDPOINT),
        deep_linking=settings,
        return_url=_text(_optional_object(claims, c.LAUNCH_PRESENTATION, {}).get("return_url")),
        product=_text(_optional_object(claims, c.TOOL_PLATFORM, {}).get("product_family_code")),
    )
    name = _text(claims.get("name"))
    return Launch(platform=platform, sub=sub, name=name, role=role, claim=claim)


def _object(claims: dict[str, Any], name: str) -> dict[str, Any]:
    value = claims.get(name)
    if not isinstance(value, dict):
        raise _missing(name)
    return value


def _optional_object(claims: dict[str, Any], name: str, default: Any = None) -> Any:
    value = claims.get(name)
    return value if isinstance(value, dict) else default


def _strings(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _missing(name)
    return value


def _text(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


def _custom(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    kept: dict[str, Any] = {}
    for name, item in list(value.items())[:MAX_CUSTOM]:
        if isinstance(item, str):
            kept[str(name)[:100]] = item[:MAX_CUSTOM_VALUE]
        elif isinstance(item, int | float | bool) or item is None:
            kept[str(name)[:100]] = item
    return kept
