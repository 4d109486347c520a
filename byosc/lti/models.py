"""Contracts of the LTI tool: platform registrations and the links of LMS contexts to
courses."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from byosc.domain import utcnow

# Plain HTTP only on this machine (a test platform on loopback): an LMS's keys and tokens
# must not travel in clear text.
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


# Host names, IPv4 and bracketed IPv6 addresses, with an optional port: origins built from
# these URLs go into Content-Security-Policy headers, where a space or ";" would add rules.
_NETLOC = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _secure_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an absolute https:// URL")
    if _NETLOC.fullmatch(parts.netloc) is None or any(ch.isspace() for ch in url):
        raise ValueError("must have a plain host name, without spaces")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError("must use https:// (plain http only on localhost)")
    if parts.username or parts.password:
        raise ValueError("must not carry a user name or password")
    return url


def _origin(url: str) -> str:
    parts = urlsplit(_secure_url(url))
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be an origin: scheme, host and port only")
    return f"{parts.scheme}://{parts.netloc}"


SecureUrl = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_secure_url)]
Origin = Annotated[str, StringConstraints(max_length=300), AfterValidator(_origin)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_MOODLE_EXAMPLE: dict[str, Any] = {
    "name": "University Moodle",
    "issuer": "https://moodle.example.edu",
    "client_id": "Xn3PqYt1fO7s9Bw",
    "deployment_ids": ["1"],
    "auth_url": "https://moodle.example.edu/mod/lti/auth.php",
    "token_url": "https://moodle.example.edu/mod/lti/token.php",
    "jwks_url": "https://moodle.example.edu/mod/lti/certs.php",
}


class PlatformRequest(BaseModel):
    """What an LMS administrator's registration of BYOSC gives us."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _MOODLE_EXAMPLE,
                {
                    "name": "Canvas",
                    "issuer": "https://canvas.instructure.com",
                    "client_id": "10000000000042",
                    "deployment_ids": ["17:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"],
                    "auth_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
                    "token_url": "https://sso.canvaslms.com/login/oauth2/token",
                    "jwks_url": "https://sso.canvaslms.com/api/lti/security/jwks",
                    "embed_origins": ["https://example.instructure.com"],
                },
            ]
        }
    )

    name: str = Field(min_length=1, max_length=200, description="What the admin calls it.")
    issuer: SecureUrl = Field(description="The platform's `iss`, exactly as its tokens carry it.")
    client_id: Identifier = Field(description="The client ID the platform gave BYOSC.")
    deployment_ids: list[Identifier] = Field(
        min_length=1, max_length=100, description="Deployment IDs whose launches are accepted."
    )
    auth_url: SecureUrl = Field(description="The platform's OIDC authentication request URL.")
    token_url: SecureUrl = Field(description="The platform's OAuth2 access token URL.")
    jwks_url: SecureUrl = Field(description="The platform's public keyset (JWKS) URL.")
    embed_origins: list[Origin] = Field(
        default_factory=list,
        max_length=20,
        description="Origins whose pages show BYOSC in a frame, beyond the issuer's and the "
        "auth URL's (Canvas: the institution's https://<school>.instructure.com).",
    )


class Platform(PlatformRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _MOODLE_EXAMPLE
                | {"id": "5f0c2a9e71d3", "embed_origins": [], "created_at": "2026-09-01T08:00:00Z"}
            ]
        }
    )

    id: str
    created_at: datetime = Field(default_factory=utcnow)

    def frame_origins(self) -> list[str]:
        """Origins that may frame the tool's pages for this platform."""
        found = [origin_of(self.issuer), origin_of(self.auth_url), *self.embed_origins]
        return list(dict.fromkeys(found))


class ContextLink(BaseModel):
    """An LMS context (a course in the LMS) mapped to a BYOSC course."""

    issuer: str
    deployment_id: str
    context_id: str
    course_id: str
    platform_id: str = Field(description="The registration the link was made through.")
    linked_by: str = Field(description="The LMS user (sub) who made the link.")
    linked_at: datetime = Field(default_factory=utcnow)


class LmsContext(BaseModel):
    id: str
    label: str | None = None
    title: str | None = None


class LtiClaim(BaseModel):
    """The launch as a session token carries it (its `lti` claim), and as GET /me returns it:
    what deep linking and grade posting need later, without asking the LMS again."""

    platform_id: str = Field(description="The registration (GET /lti/platforms).")
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str = Field(description="LtiResourceLinkRequest or LtiDeepLinkingRequest.")
    context: LmsContext
    resource_link: dict[str, Any] | None = Field(
        default=None, description="The resource link claim (id, title) of a resource launch."
    )
    roles: list[str] = Field(description="The LMS roles as the platform sent them.")
    custom: dict[str, Any] = Field(default_factory=dict, description="Custom parameters.")
    ags: dict[str, Any] | None = Field(
        default=None,
        description="The Assignment and Grade Services endpoint claim (scope, lineitems, "
        "lineitem) when the platform offers grade posting for this launch.",
    )
    deep_linking: dict[str, Any] | None = Field(
        default=None,
        description="The deep linking settings claim (deep_link_return_url, accept_types, "
        "data, ...) of an LtiDeepLinkingRequest: what the response must answer.",
    )
    return_url: str | None = Field(
        default=None, description="The launch presentation's return_url, if the LMS gave one."
    )
    product: str | None = Field(
        default=None, description="The platform's product family code (moodle, canvas, ...)."
    )
