"""What the gateway's refusals say: plain English, and where a key problem is likely to lie."""

from __future__ import annotations

import pytest

from tests.unit.gateway.conftest import MakeGateway


@pytest.mark.parametrize(
    ("role", "refusal"),
    [
        ("instructor", "an instructor key may not do this"),
        ("client", "a client key may not do this"),
    ],
)
def test_a_role_refusal_names_the_role_with_the_right_article(
    make_gateway: MakeGateway, role: str, refusal: str
) -> None:
    gateway = make_gateway()
    answer = gateway.http.post(
        "/courses", json={"id": "c2", "name": "C"}, headers=gateway.key(role)
    )
    assert answer.status_code == 403
    assert answer.json() == {"detail": refusal}


def test_the_gateways_own_validation_errors_do_not_echo_a_long_input_whole(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway()
    body = {"name": "x" * 9000, "role": "client", "courses": []}
    answer = gateway.http.post("/keys", json=body, headers=gateway.key("admin"))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "name"]
    assert len(answer.text) < 1000
