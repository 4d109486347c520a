"""API keys, roles and course scopes, enforced by the real gateway in front of the real
services."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from services.gateway.routes import ROUTES
from services.stack import Stack

Issue = Callable[..., httpx.Client]


@pytest.fixture(scope="module")
def courses(api: httpx.Client) -> tuple[str, str]:
    for course_id in ("alpha", "beta"):
        created = api.post("/courses", json={"id": course_id, "name": course_id.title()})
        assert created.status_code == 201, created.text
    return "alpha", "beta"


@pytest.fixture(scope="module")
def beta_job(api: httpx.Client, courses: tuple[str, str]) -> str:
    accepted = api.post("/courses/beta/refresh")
    assert accepted.status_code == 202, accepted.text
    return str(accepted.json()["job_id"])


@pytest.fixture(scope="module")
def issue(api: httpx.Client, bearer_client: Callable[[str], httpx.Client]) -> Issue:
    """Makes a key through the admin endpoint and a client that sends it."""

    def make(role: str, courses: list[str]) -> httpx.Client:
        created = api.post("/keys", json={"name": f"{role} test", "role": role, "courses": courses})
        assert created.status_code == 201, created.text
        return bearer_client(created.json()["token"])

    return make


def test_requests_without_a_valid_key_get_401_and_a_bearer_challenge(stack: Stack) -> None:
    gateway = stack.url("gateway")
    for headers in ({}, {"authorization": "Bearer byosc_000000000000_not-a-secret"}):
        refused = httpx.get(f"{gateway}/courses", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    chat = {"course_id": "alpha", "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(f"{gateway}/chat", json=chat).status_code == 401
    for open_path in ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"):
        assert httpx.get(f"{gateway}{open_path}").status_code == 200, open_path
    schema = httpx.get(f"{gateway}/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert schema["paths"]["/chat"]["post"]["security"] == [{"HTTPBearer": []}]


def test_a_client_key_gets_404_on_every_route_of_a_course_outside_its_scope(
    issue: Issue, courses: tuple[str, str], beta_job: str
) -> None:
    client = issue("client", ["alpha"])
    values = {
        "course_id": "beta",
        "job_id": beta_job,
        "version": "1",
        "name": "beta-v1",
        "document_id": "0123456789abcdef01234567",
    }
    checked = []
    for route in ROUTES:
        if not re.search(r"\{(course_id|job_id)\}", route.path) and route.path != "/chat":
            continue  # on no single course: checked by role below
        path = route.path.format(**values)
        body = {"course_id": "beta", "messages": [{"role": "user", "content": "hi"}]}
        for method in route.methods:
            response = client.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
            checked.append(f"{method} {route.path}")
    assert len(checked) >= 19  # the loop did cover the table's course routes
    # Indistinguishable from a course that does not exist.
    assert client.get("/courses/beta").json() == {"detail": "course beta does not exist"}


def test_a_client_key_reads_and_asks_on_its_course_but_may_not_manage_it(
    issue: Issue, api: httpx.Client, courses: tuple[str, str]
) -> None:
    client = issue("client", ["alpha"])
    assert [c["id"] for c in client.get("/courses").json()] == ["alpha"]
    assert {"alpha", "beta"} <= {c["id"] for c in api.get("/courses").json()}
    assert client.get("/courses/alpha").json()["id"] == "alpha"
    assert client.get("/courses/alpha/search", params={"q": "anything"}).status_code == 200
    for method, path in [
        ("POST", "/courses/alpha/refresh"),
        ("POST", "/courses/alpha/train"),
        ("POST", "/courses/alpha/datasets"),
        ("DELETE", "/courses/alpha"),
        ("POST", "/courses"),
        ("GET", "/keys"),
    ]:
        assert client.request(method, path, json={}).status_code == 403, (method, path)


def test_an_instructor_refreshes_its_own_course_and_watches_the_job_but_not_another(
    issue: Issue, courses: tuple[str, str], beta_job: str
) -> None:
    instructor = issue("instructor", ["alpha"])
    accepted = instructor.post("/courses/alpha/refresh")
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    assert instructor.get(f"/jobs/{job_id}").json()["course_id"] == "alpha"
    assert instructor.post("/courses/beta/refresh").status_code == 404
    assert instructor.get(f"/jobs/{beta_job}").status_code == 404
    assert instructor.post(f"/jobs/{beta_job}/cancel").status_code == 404
    assert instructor.post("/courses", json={"id": "gamma", "name": "G"}).status_code == 403
    client = issue("client", ["alpha"])
    assert client.get(f"/jobs/{job_id}").status_code == 200
    assert client.post(f"/jobs/{job_id}/cancel").status_code == 403


def test_a_revoked_key_is_refused_at_once_and_listed_without_a_secret(
    stack: Stack, api: httpx.Client, courses: tuple[str, str]
) -> None:
    created = api.post("/keys", json={"name": "lms", "role": "client", "courses": ["alpha"]})
    key_id, token = created.json()["key"]["id"], created.json()["token"]
    headers = {"authorization": f"Bearer {token}"}
    url = f"{stack.url('gateway')}/courses/alpha"
    assert httpx.get(url, headers=headers).status_code == 200  # now in the gateway's cache
    revoked = api.delete(f"/keys/{key_id}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = httpx.get(url, headers=headers)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    listed = {k["id"]: k for k in api.get("/keys").json()}
    assert listed[key_id]["revoked_at"] and "token" not in listed[key_id]
    assert all("secret" not in name for k in listed.values() for name in k)
    assert api.delete("/keys/000000000000").status_code == 404
