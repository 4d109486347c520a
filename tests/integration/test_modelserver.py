"""The model server process, driven over HTTP with the openai client like vLLM would be."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from byosc.settings import BASE_MODEL_NAME
from tests.support.lora import make_foreign_adapter, set_declared_base

pytestmark = pytest.mark.slow

QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the capital of France?"}
]
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Say hello to the class."}]


def _answer(client: openai.OpenAI, model: str = BASE_MODEL_NAME, max_tokens: int = 10) -> str:
    reply = client.chat.completions.create(model=model, messages=HELLO, max_tokens=max_tokens)
    return reply.choices[0].message.content or ""


def _load(http: httpx.Client, name: str, path: Path | str) -> httpx.Response:
    return http.post("/v1/load_lora_adapter", json={"lora_name": name, "lora_path": str(path)})


def _unload(http: httpx.Client, name: str) -> httpx.Response:
    return http.post("/v1/unload_lora_adapter", json={"lora_name": name})


def _served(client: openai.OpenAI) -> list[str]:
    return [card.id for card in client.models.list()]


def test_health_and_readiness_report_ok(http: httpx.Client) -> None:
    assert http.get("/healthz").json()["status"] == "ok"
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"engine": "ok"}


def test_the_model_list_holds_the_base_model_in_vllm_shape(client: openai.OpenAI) -> None:
    cards = client.models.list().data
    assert [card.id for card in cards] == [BASE_MODEL_NAME]
    extra = cards[0].model_extra or {}
    assert extra["parent"] is None
    assert extra["max_model_len"] >= 2048


def test_a_completion_returns_the_answer_and_its_token_usage(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=BASE_MODEL_NAME,
        messages=QUESTION,
        max_tokens=12,
    )
    assert "Paris" in (reply.choices[0].message.content or "")
    assert reply.model == BASE_MODEL_NAME
    usage = reply.usage
    assert usage is not None
    assert usage.prompt_tokens > 0 and 0 < usage.completion_tokens <= 12
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_max_completion_tokens_caps_the_answer(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=BASE_MODEL_NAME,
        messages=QUESTION,
        max_completion_tokens=3,
    )
    assert reply.usage is not None and reply.usage.completion_tokens == 3
    assert reply.choices[0].finish_reason == "length"


def test_a_streamed_answer_joins_into_the_same_text_and_ends_with_usage(
    client: openai.OpenAI,
) -> None:
    whole = _answer(client, max_tokens=12)
    chunks = list(
        client.chat.completions.create(
            model=BASE_MODEL_NAME,
            messages=HELLO,
            max_tokens=12,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text and text == whole
    assert chunks[-2].choices[0].finish_reason in {"stop", "length"}
    usage = chunks[-1].usage
    assert usage is not None and 0 < usage.completion_tokens <= 12


def test_the_event_stream_ends_with_done(http: httpx.Client) -> None:
    body = {"messages": HELLO, "max_tokens": 4, "stream": True}
    with http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data = [line.removeprefix("data: ") for line in response.iter_lines() if line]
    assert data[-1] == "[DONE]"
    first = json.loads(data[0])
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"][0]["delta"]["role"] == "assistant"


def test_stop_strings_end_the_answer_as_in_the_openai_api(client: openai.OpenAI) -> None:
    free = _answer(client, max_tokens=12)
    stop = free.split()[2]
    reply = client.chat.completions.create(
        model=BASE_MODEL_NAME,
        messages=HELLO,
        max_tokens=12,
        stop=stop,
        extra_body={"no_repeat_ngram_size": 4},
    )
    choice = reply.choices[0]
    assert (choice.message.content, choice.finish_reason) == (free[: free.index(stop)], "stop")


def test_an_unknown_model_is_a_404_in_openai_error_shape(
    client: openai.OpenAI, http: httpx.Client
) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        _answer(client, model="no-such-course")
    assert caught.value.status_code == 404
    error = http.post("/v1/chat/completions", json={"model": "x", "messages": HELLO}).json()
    assert error["error"]["type"] == "NotFoundError"
    assert "x" in error["error"]["message"] and error["error"]["code"] == 404
    streamed = {"model": "x", "messages": HELLO, "stream": True}
    assert http.post("/v1/chat/completions", json=streamed).status_code == 404


def test_a_malformed_request_is_a_400_in_openai_error_shape(http: httpx.Client) -> None:
    response = http.post("/v1/chat/completions", json={"messages": []})
    assert response.status_code == 400
    assert "messages" in response.json()["error"]["message"]


def test_health_checks_answer_while_a_long_answer_is_generated(
    client: openai.OpenAI, http: httpx.Client
) -> None:
    worker = threading.Thread(target=_answer, args=(client, BASE_MODEL_NAME, 64))
    worker.start()
    time.sleep(0.3)
    started = time.perf_counter()
    assert http.get("/healthz").status_code == 200
    assert time.perf_counter() - started < 1.0
    assert worker.is_alive(), "the generation should still be running"
    worker.join()


def test_each_loaded_adapter_is_chosen_per_request_and_changes_the_answer(
    client: openai.OpenAI, http: httpx.Client, adapters: dict[str, Path]
) -> None:
    try:
        for name, path in adapters.items():
            loaded = _load(http, name, path)
            assert loaded.status_code == 200, loaded.text
            assert loaded.text == f"Success: LoRA adapter '{name}' added successfully."
        cards = {card.id: card.model_extra or {} for card in client.models.list()}
        assert cards["course-a"]["parent"] == BASE_MODEL_NAME
        assert cards["course-b"]["root"] == str(adapters["course-b"])
        answers = {model: _answer(client, model) for model in [BASE_MODEL_NAME, *adapters]}
        assert len(set(answers.values())) == 3, answers
        assert _answer(client) == answers[BASE_MODEL_NAME]
    finally:
        for name in adapters:
            _unload(http, name)


def test_an_unloaded_adapter_is_gone_and_the_others_keep_working(
    client: openai.OpenAI, http: httpx.Client, adapters: dict[str, Path]
) -> None:
    try:
        for name, path in adapters.items():
            assert _load(http, name, path).status_code == 200
        kept = _answer(client, "course-b")
        removed = _unload(http, "course-a")
        assert removed.status_code == 200
        assert removed.text == "Success: LoRA adapter 'course-a' removed successfully."
        assert _served(client) == [BASE_MODEL_NAME, "course-b"]
        with pytest.raises(openai.NotFoundError):
            _answer(client, "course-a")
        assert _answer(client, "course-b") == kept
        assert _unload(http, "course-a").status_code == 404
    finally:
        _unload(http, "course-b")
    assert _served(client) == [BASE_MODEL_NAME]


def test_loading_an_adapter_name_twice_is_a_400(
    http: httpx.Client, adapters: dict[str, Path]
) -> None:
    try:
        assert _load(http, "twice", adapters["course-a"]).status_code == 200
        again = _load(http, "twice", adapters["course-b"])
        assert again.status_code == 400
        assert "already been loaded" in again.json()["error"]["message"]
    finally:
        _unload(http, "twice")


def test_an_adapter_for_another_base_model_is_refused_and_nothing_changes(
    client: openai.OpenAI, http: httpx.Client, tmp_path: Path
) -> None:
    before = _answer(client)
    other_name = set_declared_base(
        make_foreign_adapter(tmp_path / "renamed", BASE_MODEL_NAME),
        "HuggingFaceTB/SmolLM2-360M-Instruct",
    )
    refused = _load(http, "other", other_name)
    assert refused.status_code == 400
    assert "SmolLM2-360M-Instruct" in refused.json()["error"]["message"]
    wrong_shapes = make_foreign_adapter(tmp_path / "tiny", BASE_MODEL_NAME)
    refused = _load(http, "tiny", wrong_shapes)
    assert refused.status_code == 400
    assert "does not fit the base model" in refused.json()["error"]["message"]
    assert _served(client) == [BASE_MODEL_NAME]
    assert _answer(client) == before


def test_a_missing_adapter_path_is_a_404_and_a_missing_name_a_400(
    http: httpx.Client, tmp_path: Path
) -> None:
    missing = _load(http, "ghost", tmp_path / "nothing-here")
    assert missing.status_code == 404
    assert "No adapter found" in missing.json()["error"]["message"]
    assert _load(http, "", tmp_path).status_code == 400
