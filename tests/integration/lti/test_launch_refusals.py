"""Launches the tool refuses: each answers a page with a short reason and the request ID,
and logs the detail under that ID; none is a server error."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from services.common.logs import RequestIdFilter
from tests.integration.lti.conftest import CS140, Tool
from tests.support.lti_browser import auth_request, forged_launch, launch, login, submit_launch
from tests.support.lti_platform import SigningKey, SimulatedPlatform
from tests.support.lti_shapes import AGS, LTI, MoodleShape

NOW = int(time.time())


def instructor(platform: SimulatedPlatform) -> Any:
    return platform.user("2", "Ada Lovelace", "instructor")


@pytest.mark.parametrize(
    ("changes", "drop", "status", "reason"),
    [
        ({"exp": NOW - 3600, "iat": NOW - 3900}, (), 401, "The launch has expired"),
        ({"iat": NOW + 3600, "exp": NOW + 7200}, (), 401, "dated in the future"),
        ({"aud": "another-tool"}, (), 401, "meant for another tool"),
        ({"aud": ["Xn3PqYt1fO7s9Bw", "another-tool"]}, (), 400, "left out information"),
        ({"aud": ["Xn3PqYt1fO7s9Bw", "x"], "azp": "x"}, (), 401, "meant for another tool"),
        ({"iss": "https://other-lms.example.edu"}, (), 401, "another LMS than the sign-in"),
        ({"nonce": "not-the-logins-nonce"}, (), 400, "answered another sign-in"),
        ({LTI + "deployment_id": "99"}, (), 403, "deployment of BYOSC in the LMS is not"),
        ({LTI + "version": "1.1"}, (), 400, "another LTI version"),
        ({LTI + "message_type": "LtiSubmissionReviewRequest"}, (), 400, "kind of LTI launch"),
        ({LTI + "roles": "Instructor"}, (), 400, "left out information"),
        ({LTI + "context": {"title": "no id"}}, (), 400, "left out information"),
        ({}, (LTI + "version",), 400, "another LTI version"),
        ({}, (LTI + "deployment_id",), 400, "left out information"),
        ({}, (LTI + "roles",), 400, "left out information"),
        ({}, (LTI + "context",), 400, "left out information"),
        ({}, (LTI + "resource_link",), 400, "left out information"),
        ({}, (LTI + "target_link_uri",), 400, "left out information"),
        ({}, ("sub",), 400, "left out information"),
        ({}, ("nonce",), 400, "left out information"),
        ({}, ("exp",), 400, "left out information"),
    ],
)
def test_a_launch_with_bad_claims_is_refused_with_a_page_and_the_detail_logged(
    tool: Tool,
    moodle: SimulatedPlatform,
    caplog: pytest.LogCaptureFixture,
    changes: dict[str, Any],
    drop: tuple[str, ...],
    status: int,
    reason: str,
) -> None:
    caplog.handler.addFilter(RequestIdFilter())  # as the services' log handler stamps lines
    with caplog.at_level(logging.WARNING, logger="services.gateway.lti_launch"):
        page = forged_launch(tool.http, moodle, instructor(moodle), CS140, changes, drop)
    assert (page.status, page.token) == (status, None), page.text
    assert reason in page.text
    request_id = page.response.headers["x-request-id"]
    assert request_id in page.text
    [record] = [r for r in caplog.records if "refused" in r.getMessage()]
    assert getattr(record, "request_id", None) == request_id


def test_a_launch_signed_with_another_key_under_the_platforms_key_id_is_refused(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    impostor = SigningKey(moodle.keys[-1].kid, SigningKey.new().private)
    page = forged_launch(tool.http, moodle, instructor(moodle), CS140, key=impostor)
    assert page.status == 401 and "signature does not match" in page.text


def test_a_launch_signed_with_a_key_the_platform_does_not_publish_is_refused(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    page = forged_launch(tool.http, moodle, instructor(moodle), CS140, key=SigningKey.new())
    assert page.status == 401 and "key the LMS does not publish" in page.text


def test_a_replayed_launch_is_refused_as_its_state_and_nonce_were_used(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    request = auth_request(login(tool.http, moodle, instructor(moodle), CS140))
    placement = moodle.placements[request["lti_message_hint"]]
    fields = {"id_token": moodle.id_token(placement, request["nonce"]), "state": request["state"]}
    assert submit_launch(tool.http, fields).status == 200
    replay = submit_launch(tool.http, fields)
    assert replay.status == 400 and replay.token is None
    assert "expired or was used already" in replay.text


def test_an_id_token_sent_with_a_fresh_state_is_refused_for_its_old_nonce(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    first = auth_request(login(tool.http, moodle, instructor(moodle), CS140))
    placement = moodle.placements[first["lti_message_hint"]]
    token = moodle.id_token(placement, first["nonce"])
    second = auth_request(login(tool.http, moodle, instructor(moodle), CS140))
    page = submit_launch(tool.http, {"id_token": token, "state": second["state"]})
    assert page.status == 400 and "answered another sign-in" in page.text


def test_a_platforms_rotated_key_is_picked_up_without_a_restart(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    assert launch(tool.http, moodle, instructor(moodle), CS140).status == 200
    moodle.rotate_key()
    page = launch(tool.http, moodle, instructor(moodle), CS140)
    assert page.status == 200, page.text


@pytest.mark.parametrize(("delay_s", "jwks_url"), [(3.0, None), (0.0, "http://127.0.0.1:9/jwks")])
def test_an_unreachable_jwks_gives_a_clear_page_after_the_timeout(
    tool: Tool, delay_s: float, jwks_url: str | None
) -> None:
    slow = SimulatedPlatform(MoodleShape(), "", "slow-client", "1", jwks_delay_s=delay_s).start()
    try:
        slow.tool_launch_url = "http://testserver/lti/launch"
        registration = slow.registration("Slow Moodle")
        registration["jwks_url"] = jwks_url or registration["jwks_url"]
        assert tool.http.post("/lti/platforms", json=registration, headers=tool.admin).is_success
        started = time.monotonic()
        page = launch(tool.http, slow, instructor(slow), CS140)
        assert page.status == 502 and page.token is None
        assert "could not fetch the LMS&#x27;s signing keys" in page.text
        assert time.monotonic() - started < 2.9  # the 1 s timeout, not the platform's 3 s
    finally:
        slow.stop()


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        ({"iss": "https://unknown-lms.example.edu"}, 400, "not registered with BYOSC"),
        ({"login_hint": ""}, 400, "sign-in request is incomplete"),
        ({"lti_deployment_id": "99"}, 403, "deployment of BYOSC in the LMS is not"),
        ({"target_link_uri": "https://elsewhere.example.com/launch"}, 400, "another address"),
    ],
)
def test_a_bad_login_initiation_is_refused_with_a_page(
    tool: Tool, moodle: SimulatedPlatform, params: dict[str, str], status: int, reason: str
) -> None:
    good = moodle.login_params(instructor(moodle), CS140)
    answer = tool.http.get("/lti/login", params=good | params, follow_redirects=False)
    assert answer.status_code == status and reason in answer.text
    assert "text/html" in answer.headers["content-type"]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"id_token": "not-a-jwt", "state": "x"},
        {"error": "login_required", "error_description": "no session", "state": "x"},
    ],
)
def test_a_launch_without_a_usable_token_is_a_page_not_a_server_error(
    tool: Tool, fields: dict[str, str]
) -> None:
    page = submit_launch(tool.http, fields)
    assert page.status == 400 and page.token is None
    assert "BYOSC cannot open here" in page.text


def test_a_malformed_id_token_with_a_live_state_is_refused(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    request = auth_request(login(tool.http, moodle, instructor(moodle), CS140))
    page = submit_launch(tool.http, {"id_token": "a.b.c", "state": request["state"]})
    assert page.status == 400 and "malformed launch" in page.text


def test_the_ags_claim_is_optional(tool: Tool, moodle: SimulatedPlatform) -> None:
    page = forged_launch(tool.http, moodle, instructor(moodle), CS140, drop=(AGS,))
    assert page.status == 200 and page.token
