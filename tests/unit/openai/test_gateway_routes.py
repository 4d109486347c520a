"""The gateway's OpenAI routes in front of the in-process inference app: the course is
read from the body's model, listings keep only the courses a key reaches, and refusals
come in OpenAI's error shape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from byosc.auth.models import KeyRequest
from byosc.settings import Settings
from services.gateway.app import create_app

QUESTION = [{"role": "user", "content": "What is a TLB?"}]
MakeClient = Callable[..., openai.OpenAI]


@pytest.fixture
def gateway(tmp_path: Path, inference_app: FastAPI) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path / "gateway"))
    with TestClient(app) as http:
        # The inference service, reached in-process instead of over the network.
        app.state.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=inference_app))
        yield http


@pytest.fixture
def client_for(gateway: TestClient) -> MakeClient:
    """An openai client holding a new key of this role and scope."""

    def make(role: str, courses: list[str]) -> openai.OpenAI:
        store = gateway.app.state.key_store  # type: ignore[attr-defined]
        issued = store.create(KeyRequest(name="test", role=role, courses=courses))  # type: ignore[arg-type]
        return openai.OpenAI(
            base_url="http://testserver/v1",
            api_key=issued.token,
            http_client=gateway,
            max_retries=0,
        )

    return make


def test_models_lists_only_the_courses_the_key_reaches(client_for: MakeClient) -> None:
    assert [m.id for m in client_for("client", ["cs140"]).models.list()] == ["cs140"]
    assert [m.id for m in client_for("client", []).models.list()] == []
    assert {m.id for m in client_for("admin", []).models.list()} == {"cs140", "ma101"}


def test_a_key_chats_with_the_course_it_names_as_the_model(client_for: MakeClient) -> None:
    client = client_for("client", ["cs140"])
    answer = client.chat.completions.create(model="cs140", messages=QUESTION)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "A TLB caches translations [1]."
    assert (answer.model_extra or {})["citations"][0]["filename"] == "mem.pdf"
    stream = client.chat.completions.create(model="cs140", messages=QUESTION, stream=True)  # type: ignore[arg-type]
    assert "".join(c.choices[0].delta.content or "" for c in stream).startswith("A TLB")


def test_a_course_outside_the_scope_answers_like_one_that_does_not_exist(
    client_for: MakeClient,
) -> None:
    client = client_for("instructor", ["cs140"])
    bodies = []
    for course in ("ma101", "nope"):
        with pytest.raises(openai.NotFoundError) as raised:
            client.chat.completions.create(model=course, messages=QUESTION)  # type: ignore[arg-type]
        bodies.append({**raised.value.body, "message": None})  # type: ignore[dict-item]
        assert raised.value.message.endswith(f"course {course} does not exist")
    assert (
        bodies[0]
        == bodies[1]
        == {
            "message": None,
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    )


def test_a_request_without_a_key_is_a_401_in_openais_shape(gateway: TestClient) -> None:
    refused = gateway.post("/v1/chat/completions", json={"model": "cs140", "messages": QUESTION})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["error"]["type"] == "authentication_error"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"messages": []}', "must be JSON with a model"),
        (b'{"model": 7, "messages": []}', "must be JSON with a model"),
        (b'{"model": "cs140", "model": "ma101", "messages": []}', "duplicate keys"),
    ],
)
def test_a_body_without_one_course_as_its_model_is_refused_before_forwarding(
    gateway: TestClient, client_for: MakeClient, body: bytes, reason: str
) -> None:
    client = client_for("client", ["cs140"])
    headers = {"authorization": f"Bearer {client.api_key}", "content-type": "application/json"}
    refused = gateway.post("/v1/chat/completions", content=body, headers=headers)
    assert refused.status_code == 422
    assert reason in refused.json()["error"]["message"]


def test_the_byosc_routes_keep_their_own_error_shape(gateway: TestClient) -> None:
    assert gateway.get("/courses").json() == {
        "detail": "an API key is required: Authorization: Bearer <key>"
    }
