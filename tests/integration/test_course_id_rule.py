"""The ingest service refuses a malformed course ID with the rule in words."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from byosc.domain import COURSE_ID_RULE
from byosc.settings import Settings
from services.ingest.app import create_app

pytestmark = pytest.mark.slow


def test_creating_a_course_with_a_malformed_id_answers_422_with_the_rule(
    settings: Settings,
) -> None:
    with TestClient(create_app(settings)) as ingest:
        refused = ingest.post("/courses", json={"id": "x", "name": "X"})
        assert refused.status_code == 422
        [error] = refused.json()["detail"]
        assert (error["loc"], error["msg"], error["input"]) == (["body", "id"], COURSE_ID_RULE, "x")
        assert ingest.post("/courses", json={"id": "cs140", "name": "OS"}).status_code == 201
