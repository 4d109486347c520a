"""Deep linking from a Moodle-shaped and a Canvas-shaped platform: the instructor's launch
lands on the placement view, the tool signs an LtiDeepLinkingResponse the platform verifies
against the tool's JWKS, and the page that hands it to the LMS may post only there."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.integration.lti.conftest import CS140, Tool
from tests.integration.lti.test_launch import bearer, link
from tests.support.lti_browser import launch
from tests.support.lti_platform import SimulatedPlatform

DEEP_LINK = "LtiDeepLinkingRequest"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
QUIZ = {"placement": "quiz", "topic": "paging", "n": 4}


def deep_link_session(tool: Tool, platform: SimulatedPlatform, course_id: str) -> str:
    tool.course(course_id)
    link(tool, platform, CS140, course_id)
    instructor = platform.user("teacher-1", "Ada Lovelace", "instructor")
    page = launch(tool.http, platform, instructor, CS140, DEEP_LINK)
    assert (page.status, page.landing) == (200, "#lti-deep-link"), page.text
    assert page.token
    platform.tool_jwks = lambda: tool.http.get("/lti/jwks").json()
    return page.token


@pytest.mark.parametrize("product", ["moodle", "canvas"])
def test_a_placed_quiz_comes_back_as_a_signed_response_the_platform_verifies(
    tool: Tool, moodle: SimulatedPlatform, canvas: SimulatedPlatform, product: str
) -> None:
    platform = {"moodle": moodle, "canvas": canvas}[product]
    token = deep_link_session(tool, platform, f"dl-{product}")
    answer = tool.http.post("/lti/deep-link", json=QUIZ, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["return_url"] == f"{platform.base_url}/deep_linking_response"
    jwks = tool.http.get("/lti/jwks").json()
    platform.tool_jwks = lambda: jwks
    claims = platform.accept_deep_link(body["jwt"])
    assert claims["iss"] == platform.client_id and claims["aud"] == platform.issuer
    assert claims[LTI + "version"] == "1.3.0" and claims["nonce"]
    assert claims[DL + "data"] == "opaque-platform-data-7f3a"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == "http://testserver/lti/launch"
    assert item["custom"] == {"placement": "quiz", "topic": "paging", "n": "4"}
    assert item["lineItem"] == {
        "scoreMaximum": 4,
        "label": "Practice quiz: paging",
        "resourceId": "quiz:paging:4",
        "tag": "byosc-quiz",
    }


def test_the_chatbot_placement_has_no_line_item(tool: Tool, moodle: SimulatedPlatform) -> None:
    token = deep_link_session(tool, moodle, "dl-chat")
    body = {"placement": "chatbot", "title": "Ask the notes"}
    answer = tool.http.post("/lti/deep-link", json=body, headers=bearer(token)).json()
    [item] = moodle.accept_deep_link(answer["jwt"])[DL + "content_items"]
    assert (item["title"], item["custom"]) == ("Ask the notes", {"placement": "chatbot"})
    assert "lineItem" not in item


def test_the_hand_over_page_posts_the_response_to_the_return_url_only(
    tool: Tool, canvas: SimulatedPlatform
) -> None:
    token = deep_link_session(tool, canvas, "dl-page")
    form = {"token": token, "placement": "quiz", "topic": "paging", "n": "3"}
    page = tool.http.post("/lti/deep-link/submit", data=form)
    assert page.status_code == 200, page.text
    policy = page.headers["content-security-policy"]
    assert f"form-action 'self' {canvas.base_url};" in policy and "script-src 'self';" in policy
    action = re.search(r'<form id="lti-return" method="post" action="([^"]+)"', page.text)
    assert action and unescape(action.group(1)) == f"{canvas.base_url}/deep_linking_response"
    assert '<script type="module" src="/web/js/lti_return.js">' in page.text
    jwt = re.search(r'name="JWT" value="([^"]+)"', page.text)
    assert jwt
    posted = canvas.accept_deep_link(unescape(jwt.group(1)))
    assert posted[DL + "content_items"][0]["custom"]["n"] == "3"


def test_learners_and_resource_link_sessions_may_not_place_anything(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    deep_link_session(tool, moodle, "dl-refused")
    learner = launch(tool.http, moodle, moodle.user("s-9", "Grace Hopper", "learner"), CS140)
    teacher = launch(tool.http, moodle, moodle.user("teacher-1", "Ada", "instructor"), CS140)
    for page in (learner, teacher):
        refused = tool.http.post("/lti/deep-link", json=QUIZ, headers=bearer(page.token))
        assert refused.status_code == 403, refused.text
    form = {"token": learner.token or "", "placement": "quiz"}
    page = tool.http.post("/lti/deep-link/submit", data=form)
    assert page.status_code == 403 and "lti-return" not in page.text
    forged = tool.http.post("/lti/deep-link/submit", data=form | {"token": "not-a-token"})
    assert forged.status_code == 401
    assert tool.http.post("/lti/deep-link", json=QUIZ, headers=tool.admin).status_code == 403
