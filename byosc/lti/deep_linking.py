"""The answer to an LtiDeepLinkingRequest: what an instructor placed (the course chatbot, or
a practice quiz on a topic), as a signed LtiDeepLinkingResponse the platform verifies
against the tool's JWKS.

A quiz's content item carries a line item (the platform makes the gradebook column from it)
and custom parameters (placement, topic, n) that its launches bring back: the student view
opens in quiz mode with them, and its grade goes to that column."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Literal

import jwt
from pydantic import BaseModel, Field

from byosc.domain import utcnow
from byosc.lti.models import LtiClaim
from byosc.lti.tool_keys import ALGORITHM, ToolKey

DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
RESPONSE_TYPE = "LtiDeepLinkingResponse"
REQUEST_TYPE = "LtiDeepLinkingRequest"
# The line items of quiz placements carry this tag: a launch without the line item's URL
# finds its column by resource link and tag.
QUIZ_TAG = "byosc-quiz"
# Long enough for a slow form post through the browser, short enough to be useless later.
RESPONSE_TTL_S = 300


class PlacementChoice(BaseModel):
    """What the instructor picked in the deep-linking view."""

    placement: Literal["chatbot", "quiz"] = Field(description="The course chatbot, or a quiz.")
    topic: str | None = Field(
        default=None, max_length=200, description="quiz: its topic (empty: the whole course)."
    )
    n: int = Field(default=5, ge=1, le=20, description="quiz: how many questions.")
    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="The link's title in the LMS."
    )


def _title(choice: PlacementChoice, course: str) -> str:
    if choice.title:
        return choice.title
    if choice.placement == "chatbot":
        return f"Study buddy: {course}"
    return f"Practice quiz: {choice.topic or course}"


def content_item(choice: PlacementChoice, launch_url: str, course: str) -> dict[str, Any]:
    """One ltiResourceLink content item. LTI custom parameters are strings."""
    title = _title(choice, course)
    custom: dict[str, str] = {"placement": choice.placement}
    item: dict[str, Any] = {"type": "ltiResourceLink", "url": launch_url, "title": title}
    if choice.placement == "quiz":
        custom |= {"topic": choice.topic or "", "n": str(choice.n)}
        item["lineItem"] = {
            "scoreMaximum": choice.n,
            "label": title,
            "resourceId": f"quiz:{choice.topic or ''}:{choice.n}",
            "tag": QUIZ_TAG,
        }
    item["custom"] = custom
    return item


def deep_linking_response(key: ToolKey, lti: LtiClaim, items: list[dict[str, Any]]) -> str:
    """The response JWT: from the tool (iss = its client ID) to the platform (aud = issuer),
    with the request's `data` echoed back as the specification asks."""
    now = utcnow()
    claims: dict[str, Any] = {
        "iss": lti.client_id,
        "aud": lti.issuer,
        "iat": now,
        "exp": now + timedelta(seconds=RESPONSE_TTL_S),
        "nonce": secrets.token_urlsafe(16),
        LTI_CLAIM + "deployment_id": lti.deployment_id,
        LTI_CLAIM + "message_type": RESPONSE_TYPE,
        LTI_CLAIM + "version": "1.3.0",
        DL_CLAIM + "content_items": items,
    }
    data = (lti.deep_linking or {}).get("data")
    if data is not None:
        claims[DL_CLAIM + "data"] = data
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def return_url(lti: LtiClaim) -> str | None:
    """Where the browser posts the response: the settings claim's deep_link_return_url."""
    url = (lti.deep_linking or {}).get("deep_link_return_url")
    return url if isinstance(url, str) else None
