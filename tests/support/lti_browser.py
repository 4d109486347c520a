"""A browser's part in an LTI launch, without a browser: follow the tool's redirect to the
platform's auth endpoint, submit the form it answers with to the tool, and read the page
the tool answers (the session token in its <meta>, where web/js/lti.js would take it)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.support.lti_platform import SigningKey, SimulatedPlatform
from tests.support.lti_shapes import LmsCourse, LmsUser

RESOURCE_LINK = "LtiResourceLinkRequest"


@dataclass
class LaunchPage:
    response: httpx.Response
    token: str | None
    landing: str | None

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.metas: dict[str, str] = {}
        self.form_action: str | None = None
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "meta" and "name" in found:
            self.metas[found["name"]] = found.get("content", "")
        elif tag == "form":
            self.form_action = found.get("action")
        elif tag == "input" and found.get("type") == "hidden":
            self.inputs[found["name"]] = found.get("value", "")


def _tags(html: str) -> _Tags:
    tags = _Tags()
    tags.feed(html)
    return tags


def login(
    gateway: httpx.Client,
    platform: SimulatedPlatform,
    user: LmsUser,
    course: LmsCourse,
    message_type: str = RESOURCE_LINK,
    method: str = "GET",
) -> httpx.Response:
    """The platform sends the browser to the tool's login initiation URL."""
    params = platform.login_params(user, course, message_type)
    if method == "POST":
        return gateway.post("/lti/login", data=params, follow_redirects=False)
    return gateway.get("/lti/login", params=params, follow_redirects=False)


def auth_request(login_answer: httpx.Response) -> dict[str, str]:
    """The OIDC authentication request the tool redirected to, as its query parameters."""
    assert login_answer.status_code == 302, login_answer.text
    return dict(parse_qsl(urlsplit(login_answer.headers["location"]).query))


def submit_launch(gateway: httpx.Client, fields: dict[str, str]) -> LaunchPage:
    answer = gateway.post("/lti/launch", data=fields)
    tags = _tags(answer.text)
    return LaunchPage(answer, tags.metas.get("byosc-session"), tags.metas.get("byosc-landing"))


def launch(
    gateway: httpx.Client,
    platform: SimulatedPlatform,
    user: LmsUser,
    course: LmsCourse,
    message_type: str = RESOURCE_LINK,
) -> LaunchPage:
    """The whole walk: login initiation, the platform's auth endpoint, the form post."""
    redirect = login(gateway, platform, user, course, message_type)
    assert redirect.status_code == 302, redirect.text
    page = httpx.get(redirect.headers["location"], timeout=10)
    assert page.status_code == 200, page.text
    form = _tags(page.text)
    assert form.form_action == platform.tool_launch_url
    return submit_launch(gateway, form.inputs)


def forged_launch(
    gateway: httpx.Client,
    platform: SimulatedPlatform,
    user: LmsUser,
    course: LmsCourse,
    changes: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    key: SigningKey | None = None,
    message_type: str = RESOURCE_LINK,
) -> LaunchPage:
    """A launch whose id_token is made with `changes` to its claims, `drop`ped claims or
    another signing key, for a real login's state and nonce."""
    request = auth_request(login(gateway, platform, user, course, message_type))
    placement = platform.placements[request["lti_message_hint"]]
    token = platform.id_token(placement, request["nonce"], changes, drop, key)
    return submit_launch(gateway, {"id_token": token, "state": request["state"]})
