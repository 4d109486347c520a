"""Assignment and Grade Services, the tool's side: an access token from the platform's token
URL (OAuth2 client credentials with a JWT assertion signed by the tool's key), the line item
of a placement (the launch's own, or found or made in the context's line items), and the
score posted to it.

Errors come out as GradeError: `transient` for what may pass if tried again later (a 5xx or
429 answer, a timeout, a connection refused), not for what will not (a 4xx refusal)."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt

from byosc.domain import utcnow
from byosc.lti.deep_linking import QUIZ_TAG
from byosc.lti.models import Platform
from byosc.lti.score_outbox import OutboxEntry
from byosc.lti.tool_keys import ALGORITHM, ToolKey

SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = [SCOPE + "lineitem", SCOPE + "lineitem.readonly", SCOPE + "score"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINE_ITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINE_ITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"


class GradeError(Exception):
    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def client_assertion(key: ToolKey, platform: Platform) -> str:
    now = utcnow()
    claims = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.token_url,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def scores_url(line_item_url: str) -> str:
    """The line item's URL with /scores added to its path (its query string kept)."""
    parts = urlsplit(line_item_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


async def _call(what: str, send: Any) -> httpx.Response:
    try:
        answer: httpx.Response = await send
    except httpx.TimeoutException as exc:
        raise GradeError(f"{what}: timed out", transient=True) from exc
    except httpx.TransportError as exc:
        raise GradeError(f"{what}: unreachable ({type(exc).__name__})", transient=True) from exc
    if answer.status_code >= 500 or answer.status_code == 429:
        raise GradeError(f"{what}: HTTP {answer.status_code} {answer.text[:200]}", transient=True)
    if answer.is_error:
        raise GradeError(f"{what}: HTTP {answer.status_code} {answer.text[:300]}", transient=False)
    return answer


def _json(answer: httpx.Response, what: str) -> Any:
    try:
        return answer.json()
    except ValueError as exc:
        raise GradeError(f"{what}: the platform's answer is not JSON", transient=False) from exc


class AgsClient:
    """Posts scores for one gateway; access tokens are kept until shortly before they expire."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self._tokens: dict[str, tuple[str, float]] = {}

    def forget(self, platform_id: str) -> None:
        """Drop a platform's token: after an error it may be what was refused."""
        self._tokens.pop(platform_id, None)

    async def access_token(self, platform: Platform, key: ToolKey) -> str:
        cached = self._tokens.get(platform.id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(key, platform),
            "scope": " ".join(SCOPES),
        }
        answer = await _call("token", self.http.post(platform.token_url, data=form))
        body = _json(answer, "token")
        try:
            token = str(body["access_token"])
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise GradeError("token: the platform's answer holds no access_token", False) from exc
        self._tokens[platform.id] = (token, time.monotonic() + max(expires_in - 60, 0))
        return token

    async def line_item(self, entry: OutboxEntry, token: str) -> str:
        """The launch's line item, or the one found in the context's line items by resource
        link and tag, or one made there."""
        if entry.line_item_url:
            return entry.line_item_url
        if isinstance(entry.ags.get("lineitem"), str):
            return str(entry.ags["lineitem"])
        container = entry.ags.get("lineitems")
        if not isinstance(container, str):
            raise GradeError("the launch's grade service names no line item", transient=False)
        auth = {"authorization": f"Bearer {token}"}
        params = {"tag": QUIZ_TAG}
        if entry.resource_link_id:
            params["resource_link_id"] = entry.resource_link_id
        found = await _call(
            "line items",
            self.http.get(container, params=params, headers=auth | {"accept": LINE_ITEMS_TYPE}),
        )
        listed = _json(found, "line items")
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                return str(item["id"])
        new = {
            "scoreMaximum": entry.score_maximum,
            "label": entry.label,
            "tag": QUIZ_TAG,
            "resourceLinkId": entry.resource_link_id,
        }
        headers = auth | {"content-type": LINE_ITEM_TYPE}
        made = await _call("new line item", self.http.post(container, json=new, headers=headers))
        created = _json(made, "new line item")
        item_id = created.get("id") if isinstance(created, dict) else None
        if not isinstance(item_id, str):
            raise GradeError("new line item: the platform's answer holds no id", False)
        return item_id

    async def post_score(self, entry: OutboxEntry, line_item_url: str, token: str) -> None:
        score = {
            "userId": entry.user_sub,
            "scoreGiven": entry.score_given,
            "scoreMaximum": entry.score_maximum,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": utcnow().isoformat(),
        }
        headers = {"authorization": f"Bearer {token}", "content-type": SCORE_TYPE}
        await _call("score", self.http.post(scores_url(line_item_url), json=score, headers=headers))
