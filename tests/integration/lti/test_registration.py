"""Registering platforms (API and `byosc lti`), what an LMS admin is given to paste, the
tool's keys and their rotation, and the origins allowed to frame the web app."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from byosc.settings import Settings
from cli.main import app as cli
from services.gateway.app import create_app
from tests.integration.lti.conftest import CS140, Tool
from tests.support.lti_browser import launch, login
from tests.support.lti_platform import SimulatedPlatform
from tests.support.lti_shapes import CanvasShape


def test_a_platform_is_registered_once_by_an_admin_with_secure_urls(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    body = moodle.registration("Moodle again")
    assert tool.http.post("/lti/platforms", json=body, headers=tool.admin).status_code == 409
    instructor = tool.key("instructor", ["cs140"])
    assert tool.http.post("/lti/platforms", json=body, headers=instructor).status_code == 403
    assert tool.http.get("/lti/platforms", headers=instructor).status_code == 403
    clear_text = body | {"client_id": "new", "jwks_url": "http://moodle.example.edu/certs"}
    refused = tool.http.post("/lti/platforms", json=clear_text, headers=tool.admin)
    assert refused.status_code == 422 and "https" in refused.text
    listed = tool.http.get("/lti/platforms", headers=tool.admin).json()
    assert [p["name"] for p in listed] == ["Moodle", "Canvas"]


def test_a_removed_platforms_logins_are_refused(tool: Tool, moodle: SimulatedPlatform) -> None:
    [moodle_id] = [
        p["id"]
        for p in tool.http.get("/lti/platforms", headers=tool.admin).json()
        if p["issuer"] == moodle.issuer
    ]
    instructor = moodle.user("2", "Ada Lovelace", "instructor")
    assert login(tool.http, moodle, instructor, CS140).status_code == 302
    removed = tool.http.delete(f"/lti/platforms/{moodle_id}", headers=tool.admin)
    assert removed.status_code == 200 and removed.json()["issuer"] == moodle.issuer
    refused = login(tool.http, moodle, instructor, CS140)
    assert refused.status_code == 400 and "not registered" in refused.text
    again = tool.http.delete(f"/lti/platforms/{moodle_id}", headers=tool.admin)
    assert again.status_code == 404


def test_the_web_app_may_be_framed_by_the_registered_platforms_only(
    tool: Tool, moodle: SimulatedPlatform, canvas: SimulatedPlatform
) -> None:
    def ancestors(path: str) -> set[str]:
        policy = tool.http.get(path).headers["content-security-policy"]
        [rule] = [r for r in policy.split("; ") if r.startswith("frame-ancestors ")]
        return set(rule.split()[1:])

    canvas_origins = {
        "https://canvas.instructure.com",  # its issuer
        canvas.base_url,  # its auth URL's origin
        "https://example.instructure.com",  # the institution's Canvas, given at registration
    }
    assert ancestors("/") == {moodle.base_url} | canvas_origins
    assert ancestors("/web/js/app.js") == {moodle.base_url} | canvas_origins
    [canvas_id] = [
        p["id"]
        for p in tool.http.get("/lti/platforms", headers=tool.admin).json()
        if p["issuer"] == canvas.issuer
    ]
    tool.http.delete(f"/lti/platforms/{canvas_id}", headers=tool.admin)
    assert ancestors("/") == {moodle.base_url}


def test_the_config_gives_an_lms_admin_every_url_of_the_tool(tool: Tool) -> None:
    config = tool.http.get("/lti/config").json()
    base = "http://testserver"
    assert config["login_url"] == f"{base}/lti/login"
    assert config["launch_url"] == config["deep_linking_url"] == f"{base}/lti/launch"
    assert config["redirect_uris"] == [f"{base}/lti/launch"]
    assert config["jwks_url"] == f"{base}/lti/jwks"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in config["scopes"]
    canvas = tool.http.get("/lti/config/canvas").json()
    assert canvas["oidc_initiation_url"] == config["login_url"]
    assert canvas["public_jwk_url"] == config["jwks_url"]
    placements = canvas["extensions"][0]["settings"]["placements"]
    assert {p["message_type"] for p in placements} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }


def test_the_configured_public_url_is_the_base_of_every_tool_url(tmp_path: Path) -> None:
    lti = {"public_url": "https://byosc.example.edu/"}
    app = create_app(Settings(data_dir=tmp_path, gateway={"lti": lti}))
    with TestClient(app) as http:
        assert http.get("/lti/config").json()["jwks_url"] == "https://byosc.example.edu/lti/jwks"


def test_sessions_outlive_a_key_rotation_and_new_ones_are_signed_with_the_new_key(
    tool: Tool, moodle: SimulatedPlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instructor = moodle.user("2", "Ada Lovelace", "instructor")
    before = launch(tool.http, moodle, instructor, CS140).token
    assert before is not None
    [old] = tool.http.get("/lti/jwks").json()["keys"]
    assert jwt.get_unverified_header(before)["kid"] == old["kid"]
    monkeypatch.setenv("BYOSC_DATA_DIR", str(tmp_path / "gateway"))
    rotated = CliRunner().invoke(cli, ["lti", "keys", "rotate", "--json"])
    assert rotated.exit_code == 0, rotated.output
    new_kid = json.loads(rotated.stdout)["kid"]
    tool.http.app.state.lti.keyring.reload()  # type: ignore[attr-defined]  # its minute is up
    assert [k["kid"] for k in tool.http.get("/lti/jwks").json()["keys"]] == [new_kid, old["kid"]]
    assert tool.http.get("/me", headers={"authorization": f"Bearer {before}"}).status_code == 200
    after = launch(tool.http, moodle, instructor, CS140).token
    assert after is not None and jwt.get_unverified_header(after)["kid"] == new_kid


def test_a_tampered_or_expired_session_token_is_refused_with_the_reason(
    tool: Tool, moodle: SimulatedPlatform
) -> None:
    instructor = launch(tool.http, moodle, moodle.user("2", "Ada Lovelace", "instructor"), CS140)
    assert instructor.token is not None
    header, _, signature = instructor.token.split(".")
    claims = jwt.decode(instructor.token, options={"verify_signature": False})
    forged_payload = jwt.utils.base64url_encode(
        json.dumps(claims | {"courses": ["every-course"]}).encode()
    ).decode()
    forged = f"{header}.{forged_payload}.{signature}"
    refused = tool.http.get("/me", headers={"authorization": f"Bearer {forged}"})
    assert refused.status_code == 401 and refused.json()["detail"] == "bad signature"
    key = tool.http.app.state.lti.keyring.signing_key()  # type: ignore[attr-defined]
    expired = jwt.encode(
        claims | {"exp": claims["iat"] - 3600}, key.private_key, "RS256", {"kid": key.kid}
    )
    refused = tool.http.get("/me", headers={"authorization": f"Bearer {expired}"})
    assert refused.status_code == 401 and refused.json()["detail"].startswith("expired")


def test_the_cli_registers_lists_and_removes_a_platform_the_gateway_then_uses(
    tool: Tool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYOSC_DATA_DIR", str(tmp_path / "gateway"))
    brightspace = SimulatedPlatform(CanvasShape(), "https://brightspace.example.edu", "bs-1", "d1")
    brightspace.tool_launch_url = "http://testserver/lti/launch"
    registration = brightspace.registration("Brightspace")
    args = ["lti", "platforms", "add", "--name", "Brightspace", "--issuer", brightspace.issuer]
    args += ["--client-id", "bs-1", "--deployment-id", "d1", "--deployment-id", "d2"]
    for option in ("auth_url", "token_url", "jwks_url"):
        args += [f"--{option.replace('_', '-')}", registration[option]]
    added = CliRunner().invoke(cli, [*args, "--json"])
    assert added.exit_code == 0, added.output
    platform = json.loads(added.stdout)
    assert platform["deployment_ids"] == ["d1", "d2"]
    duplicate = CliRunner().invoke(cli, args)
    assert duplicate.exit_code == 1 and "registered already" in duplicate.stderr
    user = brightspace.user("u1", "Ada Lovelace", "instructor")
    assert login(tool.http, brightspace, user, CS140).status_code == 302
    listed = CliRunner().invoke(cli, ["lti", "platforms", "list"])
    assert "Brightspace\thttps://brightspace.example.edu\tbs-1\td1,d2" in listed.stdout
    removed = CliRunner().invoke(cli, ["lti", "platforms", "remove", platform["id"]])
    assert removed.exit_code == 0, removed.output
    assert login(tool.http, brightspace, user, CS140).status_code == 400
    bad = CliRunner().invoke(cli, [*args[:-2], "--jwks-url", "ftp://x"])
    assert bad.exit_code == 1 and "jwks_url" in bad.stderr
