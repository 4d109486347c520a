"""The inference service's OpenAI routes, read by the real openai client in-process."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from byosc.errors import NotFound


@pytest.fixture
def app(inference_app: FastAPI) -> FastAPI:
    return inference_app


@pytest.fixture
def client(app: FastAPI) -> Iterator[openai.OpenAI]:
    with TestClient(app) as http:
        yield openai.OpenAI(
            base_url="http://testserver/v1", api_key="unused", http_client=http, max_retries=0
        )


QUESTION = [{"role": "user", "content": "What is a TLB?"}]


def test_a_completion_answers_as_the_course_with_citations_beside_the_message(
    app: FastAPI, client: openai.OpenAI
) -> None:
    answer = client.chat.completions.create(
        model="cs140",
        messages=QUESTION,
        max_completion_tokens=30,
        temperature=0.2,  # type: ignore[arg-type]
    )
    assert answer.model == "cs140"
    assert answer.choices[0].message.content == "A TLB caches translations [1]."
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None and answer.usage.total_tokens == 86
    extra = answer.model_extra or {}
    assert extra["citations"][0]["filename"] == "mem.pdf"
    assert extra["served_model"] == "base"
    assert app.state.chat.asked[0].max_tokens == 30


def test_a_streamed_completion_yields_the_pieces_and_ends_with_citations(
    client: openai.OpenAI,
) -> None:
    chunks = list(client.chat.completions.create(model="cs140", messages=QUESTION, stream=True))  # type: ignore[arg-type]
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "A TLB caches translations [1]."
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["citations"][0]["page"] == 3


def test_the_stream_ends_with_the_done_marker(app: FastAPI) -> None:
    body = {"model": "cs140", "messages": QUESTION, "stream": True}
    with TestClient(app) as http:
        response = http.post("/v1/chat/completions", json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    lines = [line for line in response.text.splitlines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"


@pytest.mark.parametrize("stream", [False, True])
def test_an_unknown_course_is_a_404_in_openais_error_shape(
    client: openai.OpenAI, stream: bool
) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model="nope", messages=QUESTION, stream=stream)  # type: ignore[call-overload]
    assert raised.value.body == {
        "message": "course nope does not exist",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"model": "cs140", "messages": []},
        {"model": "cs140", "messages": [{"role": "system", "content": "hi"}]},
        {"model": "cs140", "messages": QUESTION, "max_tokens": 1_000_000},
        {"messages": QUESTION},
        "not json",
    ],
)
def test_a_bad_request_is_a_400_in_openais_error_shape(app: FastAPI, body: object) -> None:
    with TestClient(app) as http:
        if isinstance(body, str):
            headers = {"content-type": "application/json"}
            response = http.post("/v1/chat/completions", content=body, headers=headers)
        else:
            response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]


def test_models_lists_every_course(client: openai.OpenAI) -> None:
    models = client.models.list().data
    assert [(m.id, m.object, m.owned_by) for m in models] == [
        ("cs140", "model", "byosc"),
        ("ma101", "model", "byosc"),
    ]


def test_other_routes_keep_their_own_error_shape(app: FastAPI) -> None:
    @app.get("/courses/{course_id}")
    def missing(course_id: str) -> None:
        raise NotFound(f"course {course_id} does not exist")

    with TestClient(app) as http:
        assert http.get("/courses/x").json() == {"detail": "course x does not exist"}
