"""Per-student tokens an LMS mints (JWTs), accepted beside API keys.

Claims: `sub` (who), `exp`, `aud` and, when an issuer is configured, `iss` (all required
and checked), `role` (`client` by default, or `instructor`) and `courses` (the course IDs
the token reaches). Admin tokens are refused: admin work needs a real API key, which can be
revoked. The algorithm is the configured one, never the one the token's header names, so a
token cannot pick `none` or sign with the RS256 public key as an HS256 secret."""

from __future__ import annotations

import re
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import TypeAdapter, ValidationError

from byosc.auth.models import ApiKey, CourseId, Role
from byosc.settings import JwtSettings

# header.payload.signature, each base64url without padding. The signature may be empty
# (alg "none"): such a token is still a JWT, and is refused as one.
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_COURSES = TypeAdapter(list[CourseId])
# Tokens of these roles are accepted; "admin" is a valid role for API keys only.
_TOKEN_ROLES: dict[str, Role] = {"client": "client", "instructor": "instructor"}
_MAX_SUBJECT = 200  # as long as an API key's name may be


class TokenRefused(Exception):
    """A JWT that is not accepted; `reason` is short and safe to show the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_jwt(token: str) -> bool:
    """Whether a bearer token has a JWT's shape; API keys (`byosc_<id>_<secret>`) never do."""
    return _JWT_SHAPE.fullmatch(token) is not None


class JwtVerifier:
    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self._key = _verification_key(settings)
        self._required = ["exp", "aud", "sub"] + (["iss"] if settings.issuer else [])

    def verify(self, token: str) -> ApiKey:
        """The key the token stands for, or TokenRefused with the reason."""
        claims = self._checked_claims(token)
        subject = claims["sub"]
        # Checked here too: PyJWT before 2.10 does not check that sub is a string.
        if not isinstance(subject, str) or not 0 < len(subject) <= _MAX_SUBJECT:
            raise TokenRefused(f"sub must be a string of 1 to {_MAX_SUBJECT} characters")
        return ApiKey(
            id=f"jwt:{subject}",
            name=subject,
            role=_role(claims.get("role", "client")),
            courses=_courses(claims.get("courses", [])),
        )

    def _checked_claims(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self._key,
                algorithms=[self.settings.algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_s,
                options={"require": self._required},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefused(f"missing claim {exc.claim}") from exc
        except jwt.InvalidTokenError as exc:
            reason = next(text for kind, text in _REASONS if isinstance(exc, kind))
            raise TokenRefused(reason) from exc


# The first kind that matches gives the reason; InvalidTokenError, PyJWT's base, catches
# the rest: bad base64 or JSON, claims of the wrong type.
_REASONS: list[tuple[type[jwt.InvalidTokenError], str]] = [
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.ImmatureSignatureError, "not valid yet"),
    (jwt.InvalidTokenError, "malformed"),
]


def _verification_key(settings: JwtSettings) -> str | RSAPublicKey:
    """The HS256 secret, or the RS256 public key, read and parsed once."""
    if settings.algorithm == "HS256":
        if not settings.secret:
            raise ValueError("auth.jwt.algorithm=HS256 needs auth.jwt.secret")
        return settings.secret
    if settings.public_key_path is None:
        raise ValueError("auth.jwt.algorithm=RS256 needs auth.jwt.public_key_path")
    key = load_pem_public_key(settings.public_key_path.read_bytes())
    if not isinstance(key, RSAPublicKey):
        raise ValueError(f"{settings.public_key_path} does not hold an RSA public key")
    return key


def _role(claim: object) -> Role:
    if claim == "admin":
        raise TokenRefused("admin tokens are refused: admin work needs an API key")
    role = _TOKEN_ROLES.get(claim) if isinstance(claim, str) else None
    if role is None:
        raise TokenRefused("role must be client or instructor")
    return role


def _courses(claim: object) -> list[str]:
    try:
        courses = _COURSES.validate_python(claim, strict=True)
    except ValidationError as exc:
        raise TokenRefused("courses must be a list of course IDs") from exc
    return sorted(set(courses))
