"""Settings of the LTI 1.3 tool (the gateway's `lti` section: BYOSC_GATEWAY__LTI__*)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

# A session token lives at most this long; the tool's retired keys stay published this long
# (plus leeway) after a rotation, so every token they signed can still be checked.
MAX_SESSION_S = 3600


class LtiSettings(BaseModel):
    public_url: str | None = Field(
        default=None,
        description="The gateway's base URL as browsers and LMSs reach it, e.g. "
        "https://byosc.example.edu; the LTI URLs (login, launch, JWKS) are built on it. "
        "Default: the base URL of each request (right unless a proxy rewrites it).",
    )
    jwks_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Timeout fetching a platform's JWKS."
    )
    jwks_cache_s: float = Field(
        default=300.0, gt=0, description="Seconds a platform's fetched JWKS is reused."
    )
    jwks_refetch_s: float = Field(
        default=10.0,
        ge=0,
        description="Least seconds between refetches of a platform's JWKS caused by an unknown "
        "key ID (a key the platform rotated in); bounds the fetches forged tokens can cause.",
    )
    state_ttl_s: int = Field(
        default=600, gt=0, le=3600, description="Seconds a login's state and nonce stay usable."
    )
    session_ttl_s: int = Field(
        default=MAX_SESSION_S,
        ge=60,
        le=MAX_SESSION_S,
        description="Lifetime of the session token a launch ends in (at most one hour).",
    )
    leeway_s: float = Field(
        default=60.0, ge=0, le=300, description="Clock skew allowed on iat and exp."
    )

    score_attempts: int = Field(
        default=8, ge=1, le=50, description="Tries at posting a grade before it is failed."
    )
    score_backoff_s: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Wait before the second try at posting a grade; doubled for each next "
        "one, at most an hour.",
    )
    score_poll_s: float = Field(
        default=2.0, gt=0, le=300, description="How often the grade sender looks for work."
    )
    score_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Timeout of each call to a grade service."
    )

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError("gateway.lti.public_url must start with https:// or http://")
        return url.rstrip("/") if url else url
