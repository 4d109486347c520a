"""A key's scope names courses that exist: a key for a mistyped course would reach nothing."""

from __future__ import annotations

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from tests.unit.gateway.conftest import MakeGateway


def test_a_key_for_a_course_that_does_not_exist_is_refused_with_422_naming_it(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway()
    SqlCatalog(gateway.http.app.state.db).create_course(Course(id="cs140", name="OS"))  # type: ignore[attr-defined]
    admin = gateway.key("admin")
    body = {"name": "lms", "role": "client", "courses": ["cs140", "cs999"]}
    refused = gateway.http.post("/keys", json=body, headers=admin)
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["msg"] == "course cs999 does not exist"
    assert problem["loc"] == ["body", "courses", 1] and problem["input"] == "cs999"
    assert [k["name"] for k in gateway.http.get("/keys", headers=admin).json()] == ["test"]

    created = gateway.http.post("/keys", json={**body, "courses": ["cs140"]}, headers=admin)
    assert created.status_code == 201 and created.json()["key"]["courses"] == ["cs140"]
