"""Per-student JWTs an LMS mints, checked by the real gateway in front of the real services:
the token's claims are its scope, and refusals say why with a Bearer challenge."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from services.stack import Stack
from tests.e2e.conftest import JWT_ISSUER, JWT_SECRET, courses_with_material, free_port

NOTES = b"""# Scheduling

Round robin scheduling gives every ready process the same time slice in turn.
"""
INVALID_TOKEN = 'Bearer error="invalid_token"'
Connect = Callable[[str], httpx.Client]


def mint(**changes: Any) -> str:
    """A token as an LMS mints it for one student, with `changes` to its claims."""
    claims: dict[str, Any] = {
        "sub": "student-1",
        "aud": "byosc",
        "iss": JWT_ISSUER,
        "exp": int(time.time()) + 300,
        "role": "client",
        "courses": ["jwt-a"],
        **changes,
    }
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def courses(api: httpx.Client) -> tuple[str, str]:
    return courses_with_material(api, "jwt-a", "jwt-b", "scheduling.md", NOTES)


@pytest.fixture(scope="module")
def connect(bearer_client: Connect) -> Connect:
    return bearer_client


def test_a_student_token_searches_its_course_and_finds_no_other(
    connect: Connect, courses: tuple[str, str]
) -> None:
    student = connect(mint())
    hits = student.get("/courses/jwt-a/search", params={"q": "round robin time slice"})
    assert hits.status_code == 200, hits.text
    assert hits.json()[0]["chunk"]["filename"] == "scheduling.md"
    assert [c["id"] for c in student.get("/courses").json()] == ["jwt-a"]
    chat = {"course_id": "jwt-b", "messages": [{"role": "user", "content": "hi"}]}
    for method, path, body in [
        ("GET", "/courses/jwt-b", None),
        ("GET", "/courses/jwt-b/search?q=round+robin", None),
        ("GET", "/courses/jwt-b/documents", None),
        ("POST", "/chat", chat),
    ]:
        response = student.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert student.get("/courses/jwt-b").json() == {"detail": "course jwt-b does not exist"}
    refused = student.post("/courses/jwt-a/refresh")
    assert refused.status_code == 403, refused.text


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "another-service"}, "wrong audience"),
        ({"iss": "https://other-lms.example.edu"}, "wrong issuer"),
        ({"role": "admin"}, "admin tokens are refused: admin work needs an API key"),
    ],
)
def test_a_refused_token_is_401_with_an_invalid_token_challenge_and_the_reason(
    connect: Connect, courses: tuple[str, str], changes: dict[str, Any], reason: str
) -> None:
    refused = connect(mint(**changes)).get("/courses/jwt-a")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == INVALID_TOKEN
    assert refused.json() == {"detail": reason}


def test_a_token_signed_with_another_secret_is_refused(
    connect: Connect, courses: tuple[str, str]
) -> None:
    claims = {"sub": "mallory", "aud": "byosc", "iss": JWT_ISSUER, "exp": int(time.time()) + 60}
    forged = jwt.encode(claims, JWT_SECRET[::-1], algorithm="HS256")
    refused = connect(forged).get("/courses/jwt-a")
    assert (refused.status_code, refused.json()) == (401, {"detail": "bad signature"})
    assert refused.headers["www-authenticate"] == INVALID_TOKEN


def test_an_instructor_token_refreshes_its_course_but_not_another(
    connect: Connect, courses: tuple[str, str]
) -> None:
    instructor = connect(mint(sub="prof-1", role="instructor"))
    accepted = instructor.post("/courses/jwt-a/refresh")
    assert accepted.status_code == 202, accepted.text
    job = instructor.get(f"/jobs/{accepted.json()['job_id']}")
    assert job.status_code == 200 and job.json()["course_id"] == "jwt-a"
    assert instructor.post("/courses/jwt-b/refresh").status_code == 404
    assert instructor.post("/courses", json={"id": "jwt-c", "name": "C"}).status_code == 403


def test_a_gateway_without_jwts_takes_a_token_for_an_unknown_api_key(
    stack: Stack, courses: tuple[str, str], tmp_path: Path
) -> None:
    # A second gateway on the same services and metadata DB, with JWTs off.
    plain = Stack(
        data_dir=stack.data_dir,
        ports={**stack.ports, "gateway": free_port()},
        log_dir=tmp_path,
        extra_env={"BYOSC_AUTH__JWT__ENABLED": "false"},
    )
    try:
        plain.start("gateway")
        headers = {"authorization": f"Bearer {mint()}"}
        refused = httpx.get(f"{plain.url('gateway')}/courses/jwt-a", headers=headers)
    finally:
        plain.stop_all()
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["detail"].startswith("unknown or revoked API key;")


def test_the_api_description_tells_integrators_which_claims_to_mint(stack: Stack) -> None:
    schema = httpx.get(f"{stack.url('gateway')}/openapi.json").json()
    described = schema["components"]["securitySchemes"]["HTTPBearer"]["description"]
    for claim in ("sub", "exp", "aud", "iss", "role", "courses"):
        assert f"`{claim}`" in described, claim
