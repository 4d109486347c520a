"""Validation errors (422) say what is wrong without echoing a large input back whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from byosc.settings import Settings
from services.common.validation_errors import capped_validation_errors
from services.common.web import install_common
from services.gateway.app import create_app as gateway_app
from services.inference.app import create_app as inference_app
from services.ingest.app import create_app as ingest_app
from services.trainer.app import create_app as trainer_app

LONG = "x" * 9000


class Message(BaseModel):
    role: str
    content: str = Field(max_length=8000)


def _app() -> TestClient:
    app = FastAPI()
    install_common(app, "test")

    @app.post("/messages")
    def post(message: Message) -> dict[str, str]:
        return {"role": message.role}

    return TestClient(app)


def test_a_long_string_is_cut_in_the_error_it_fails() -> None:
    answer = _app().post("/messages", json={"role": "user", "content": LONG})
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "content"] and "8000" in error["msg"]
    assert error["input"].startswith("x" * 100) and len(error["input"]) < 300
    assert "9000 characters" in error["input"]


def test_a_missing_field_echoes_its_parent_object_with_long_strings_cut() -> None:
    answer = _app().post("/messages", json={"content": LONG, "extra": [LONG] * 100})
    assert answer.status_code == 422
    error = next(e for e in answer.json()["detail"] if e["type"] == "missing")
    assert error["loc"] == ["body", "role"]
    assert len(json.dumps(error["input"])) < 5000
    assert error["input"]["content"].startswith("x" * 100)


def test_short_inputs_are_echoed_as_they_came() -> None:
    answer = _app().post("/messages", json={"role": 7, "content": "hi"})
    [error] = answer.json()["detail"]
    assert error["input"] == 7 and error["loc"] == ["body", "role"]


@pytest.mark.parametrize("create_app", [gateway_app, ingest_app, inference_app, trainer_app])
def test_every_service_answers_validation_errors_through_the_same_handler(
    create_app: Callable[[Settings], FastAPI], tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    assert app.exception_handlers[RequestValidationError] is capped_validation_errors
