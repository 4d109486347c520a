"""Who reaches a course's refresh schedule through the gateway: whoever may refresh it, that
is admins and the course's instructors; a client key is refused and another course's key
finds nothing."""

from __future__ import annotations

import pytest

from tests.unit.gateway.conftest import MakeGateway

SCHEDULE = {"expression": "every 6h"}
METHODS = ["GET", "PUT", "DELETE"]


@pytest.mark.parametrize("role", ["admin", "instructor"])
def test_admins_and_the_course_instructors_read_set_and_clear_its_schedule(
    make_gateway: MakeGateway, role: str
) -> None:
    gateway = make_gateway()
    key = gateway.key(role, ("c1",))
    for method in METHODS:
        body = SCHEDULE if method == "PUT" else None
        answer = gateway.http.request(method, "/courses/c1/schedule", json=body, headers=key)
        assert answer.is_success, (method, answer.text)
    assert gateway.upstream.received[1] == (
        "/courses/c1/schedule",
        len(b'{"expression":"every 6h"}'),
    )
    assert [p for p, _ in gateway.upstream.received] == ["/courses/c1/schedule"] * 3


def test_a_client_key_is_refused_and_another_course_key_gets_404(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway()
    client = gateway.key("client", ("c1",))
    other = gateway.key("instructor", ("c2",))
    for method in METHODS:
        body = SCHEDULE if method == "PUT" else None
        mine = gateway.http.request(method, "/courses/c1/schedule", json=body, headers=client)
        assert mine.status_code == 403, method
        theirs = gateway.http.request(method, "/courses/c1/schedule", json=body, headers=other)
        assert theirs.status_code == 404, method
    assert gateway.upstream.received == []
