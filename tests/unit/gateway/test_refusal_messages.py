"""What the gateway's refusals say: plain English, and where a key problem is likely to lie."""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.auth.models import KeyRequest
from byosc.auth.store import SqlKeyStore
from byosc.catalog.sql import open_engine
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


def test_an_unknown_key_is_told_which_data_directory_holds_this_gateways_keys(
    make_gateway: MakeGateway, tmp_path: Path
) -> None:
    gateway = make_gateway()
    elsewhere = open_engine(f"sqlite:///{tmp_path / 'byosc.db'}")
    issued = SqlKeyStore(elsewhere).create(KeyRequest(name="ops", role="admin"))
    elsewhere.dispose()
    answer = gateway.http.get("/courses", headers={"authorization": f"Bearer {issued.token}"})
    assert answer.status_code == 401
    detail = answer.json()["detail"]
    assert detail.startswith("unknown or revoked API key")
    assert f"this gateway's is {tmp_path / 'gateway-0'}" in detail and "BYOSC_DATA_DIR" in detail
