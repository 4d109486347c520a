"""The session a launch ends in: a short-lived JWT the tool signs with its own current key,
sent by the web app as its bearer token like an API key.

Claims: iss (SESSION_ISSUER), aud (`byosc`), sub (the LMS user's sub), iat, exp (at most
an hour), name (when the LMS gave one), role (instructor or client), courses (the linked
course; none before an instructor links one) and lti (LtiClaim: the registration, the
context, the resource link, custom parameters, and the AGS endpoint and deep-linking
settings claims when the launch carried them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
from pydantic import ValidationError

from byosc.auth.jwt_tokens import TokenRefused
from byosc.auth.models import ApiKey
from byosc.domain import utcnow
from byosc.lti.models import LtiClaim
from byosc.lti.tool_keys import ALGORITHM, ToolKey, ToolKeyring

SESSION_ISSUER = "urn:byosc:lti"
SESSION_AUDIENCE = "byosc"
_ROLES = ("instructor", "client")


class LtiSession(ApiKey):
    """The caller of a request made with a session token: a key whose scope and role come
    from the launch, with the launch itself."""

    sub: str
    lti: LtiClaim


def issue_session(
    key: ToolKey,
    *,
    sub: str,
    name: str | None,
    role: str,
    courses: list[str],
    lti: LtiClaim,
    ttl_s: int,
) -> str:
    now = utcnow()
    claims: dict[str, Any] = {
        "iss": SESSION_ISSUER,
        "aud": SESSION_AUDIENCE,
        "sub": sub,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_s),
        "role": role,
        "courses": courses,
        "lti": lti.model_dump(mode="json"),
    }
    if name:
        claims["name"] = name
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def is_session_token(token: str) -> bool:
    """Whether a JWT says it is one of ours (unverified: only to pick its verifier)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return False
    return isinstance(claims, dict) and claims.get("iss") == SESSION_ISSUER


class SessionVerifier:
    def __init__(self, keyring: ToolKeyring, leeway_s: float = 30.0) -> None:
        self.keyring = keyring
        self.leeway_s = leeway_s

    def verify(self, token: str) -> LtiSession:
        """The session, or TokenRefused with a reason safe to show. Blocking on a key not
        seen yet (a database read): call from a thread."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenRefused("malformed") from exc
        public_key = self.keyring.public_key(kid) if isinstance(kid, str) else None
        if public_key is None:
            raise TokenRefused("signed with a key this tool does not know (rotated out?)")
        claims = self._claims(token, public_key)
        try:
            lti = LtiClaim.model_validate(claims.get("lti"))
        except ValidationError as exc:
            raise TokenRefused("malformed lti claim") from exc
        role, courses = claims.get("role"), claims.get("courses")
        if role not in _ROLES:
            raise TokenRefused("role must be client or instructor")
        if not isinstance(courses, list) or not all(isinstance(c, str) for c in courses):
            raise TokenRefused("courses must be a list of course IDs")
        sub = claims["sub"]
        name = claims.get("name") if isinstance(claims.get("name"), str) else None
        return LtiSession(
            id=f"lti:{lti.platform_id}:{sub}",
            name=(name or sub)[:200],
            role=role,
            courses=sorted(set(courses)),
            sub=sub,
            lti=lti,
        )

    def _claims(self, token: str, public_key: Any) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                public_key,
                algorithms=[ALGORITHM],
                audience=SESSION_AUDIENCE,
                issuer=SESSION_ISSUER,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRefused("expired: open BYOSC again from the LMS") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenRefused("bad signature") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenRefused("malformed") from exc
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise TokenRefused("sub must be a string")
        return claims
