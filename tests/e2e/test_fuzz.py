"""Schemathesis against the real gateway's OpenAPI document, in front of the real services:
no answer may be a server error, and every answer must be one the document describes (its
status code, content type, headers and body schema)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.stack import Stack

# Bounded so the module runs in minutes on two cores: examples from the document, then this
# many generated cases per operation, without shrinking.
MAX_EXAMPLES = 8
# A fresh key after this many requests, below the smallest per-key limit of a route class
# (manage: 30 a minute), so the fuzz reaches the services instead of collecting 429s.
REQUESTS_PER_KEY = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Courses the fuzz creates are kept apart from the IDs other e2e modules create.
FUZZ_PREFIX = "fz-"
COURSE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class KeyPool:
    """Admin keys, each used for at most REQUESTS_PER_KEY requests of one operation."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.used: Counter[str] = Counter()
        self.tokens: dict[tuple[str, int], str] = {}

    def token(self, operation: str) -> str:
        slot = (operation, self.used[operation] // REQUESTS_PER_KEY)
        self.used[operation] += 1
        if slot not in self.tokens:
            created = self.api.post("/keys", json={"name": f"fuzz {slot}", "role": "admin"})
            assert created.status_code == 201, created.text
            self.tokens[slot] = created.json()["token"]
        return self.tokens[slot]


@pytest.fixture(scope="module")
def keys(api: httpx.Client) -> KeyPool:
    return KeyPool(api)


@pytest.fixture(scope="module")
def gateway_schema(stack: Stack) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{stack.url('gateway')}/openapi.json")
    schema.config.update(base_url=stack.url("gateway"), request_timeout=120.0)
    schema.config.generation.update(
        max_examples=MAX_EXAMPLES,
        no_shrink=True,
        with_security_parameters=False,  # the key pool authenticates
        database="none",
    )
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return schema


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32 names each operation's subtest through `Node._nodeid`, which
    pytest 9 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = (
    schemathesis.pytest.from_fixture("gateway_schema")
    # Deletions and key revocation would take away what other e2e modules use.
    .exclude(method="DELETE")
)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_gateway_answers_every_generated_request_as_documented(
    case: Case, keys: KeyPool
) -> None:
    _keep_fuzz_courses_apart(case)
    token = keys.token(case.operation.label)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def _keep_fuzz_courses_apart(case: Case) -> None:
    body = case.body
    if case.operation.label != "POST /courses" or not isinstance(body, dict):
        return
    course_id = body.get("id")
    if isinstance(course_id, str) and COURSE_ID.match(course_id):
        body["id"] = (FUZZ_PREFIX + course_id)[:63]


# Requests the fuzz once found answered with a 500 or against the document, replayed
# every run: the fuzz draws new requests each time.
def test_a_dataset_version_too_large_for_the_database_is_refused_with_422(
    api: httpx.Client,
) -> None:
    assert api.get(f"/courses/nope/datasets/{2**70}").status_code == 422
    assert api.get(f"/courses/nope/datasets/{2**70}/export").status_code == 422


def test_a_path_with_control_characters_is_forwarded_as_sent(api: httpx.Client) -> None:
    for path in ("/courses/o%07SU", "/courses/j%1F%14/documents", "/jobs/%06x/cancel"):
        method = "POST" if path.endswith("cancel") else "GET"
        assert api.request(method, path).status_code == 404, path
    # %25 is a literal %, not an escape to decode again on the way to the service.
    assert api.get("/courses/%2541").json() == {"detail": "course %41 does not exist"}


def test_a_body_that_is_not_utf8_gets_400_in_the_routes_error_shape(api: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    refused = api.post("/v1/chat/completions", content=b"p\xff\xfe", headers=headers)
    assert refused.status_code == 400 and "message" in refused.json()["error"]
    assert api.post("/keys", content=b"\xff", headers=headers).status_code == 400


def test_a_course_read_back_has_a_date_time_with_its_offset(api: httpx.Client) -> None:
    # Not under FUZZ_PREFIX, where the fuzz may have made a course of this name.
    created = api.post("/courses", json={"id": "fuzz-dates", "name": "Dates"})
    assert created.status_code == 201, created.text
    listed = {c["id"]: c for c in api.get("/courses").json()}
    for course in (api.get("/courses/fuzz-dates").json(), listed["fuzz-dates"]):
        # OpenAPI's date-time is RFC 3339's: the offset is required.
        assert datetime.fromisoformat(course["created_at"]).tzinfo is not None, course


def test_the_metrics_content_type_is_the_documented_one(stack: Stack) -> None:
    schema = httpx.get(f"{stack.url('gateway')}/openapi.json").json()
    documented = schema["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    answer = httpx.get(f"{stack.url('gateway')}/metrics")
    assert answer.headers["content-type"].split(";")[0] in documented
