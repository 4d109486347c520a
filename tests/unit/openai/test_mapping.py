"""OpenAI requests mapped onto the course chat, and course answers back onto OpenAI's
shapes, without servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from byosc.domain import ChatMessage, ChatRequest, ChatResponse, Citation, Course, Usage
from byosc.openai_compat import (
    ChatCompletionRequest,
    InvalidChatRequest,
    completion,
    completion_chunks,
    error_body,
    model_list,
)
from byosc.rag.chat import Delta, Done

CITATION = Citation(
    n=1, document_id="d1", title="Memory", filename="mem.pdf", page=3, snippet="TLB", score=0.8
)


def answered(text: str = "A TLB caches translations [1].", **extra: object) -> ChatResponse:
    fields: dict[str, object] = {
        "answer": text,
        "citations": [CITATION],
        "model": "cs140-v2",
        "usage": Usage(prompt_tokens=90, completion_tokens=12, total_tokens=102),
    }
    return ChatResponse.model_validate({**fields, **extra})


def request(**fields: object) -> ChatCompletionRequest:
    body = {"model": "cs140", "messages": [{"role": "user", "content": "What is a TLB?"}]}
    return ChatCompletionRequest.model_validate({**body, **fields})


def test_the_model_names_the_course_and_the_conversation_keeps_its_roles() -> None:
    parts = [{"type": "text", "text": "What is "}, {"type": "text", "text": "paging?"}]
    messages = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": parts},
        {"role": "assistant", "content": "Fixed-size pages [1]."},
        {"role": "user", "content": "and its cost?", "name": "ana"},
    ]
    chat = request(messages=messages, temperature=0.7, top_p=0.5, user="lms-42").chat_request()
    assert chat.course_id == "cs140"
    assert [(m.role, m.content) for m in chat.messages] == [
        ("system", "Be brief."),
        ("user", "What is paging?"),
        ("assistant", "Fixed-size pages [1]."),
        ("user", "and its cost?"),
    ]


def test_max_completion_tokens_wins_over_max_tokens_and_neither_keeps_the_chat_default() -> None:
    assert request(max_tokens=40, max_completion_tokens=20).chat_request().max_tokens == 20
    assert request(max_tokens=40).chat_request().max_tokens == 40
    plain = ChatRequest(course_id="cs140", messages=[ChatMessage(role="user", content="hi")])
    assert request().chat_request().max_tokens == plain.max_tokens


def test_the_stream_flag_is_passed_on() -> None:
    assert request(stream=True).chat_request().stream
    assert not request().chat_request().stream


def test_a_conversation_without_a_user_message_is_refused() -> None:
    only_system = [{"role": "system", "content": "You are helpful."}]
    with pytest.raises(InvalidChatRequest, match="user message"):
        request(messages=only_system).chat_request()


def test_limits_of_the_chat_request_are_reported_as_a_bad_request() -> None:
    with pytest.raises(InvalidChatRequest, match="max_tokens"):
        request(max_tokens=1_000_000).chat_request()


@pytest.mark.parametrize(
    "fields",
    [
        {"messages": []},
        {"messages": [{"role": "tool", "content": "42"}]},
        {"n": 2},
        {"max_tokens": 0},
        {"model": None},
    ],
)
def test_requests_the_chatbot_cannot_serve_do_not_validate(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        request(**fields)


def test_a_completion_names_the_course_and_carries_citations_and_the_served_model() -> None:
    body = completion(answered(), "cs140", max_tokens=64).model_dump()
    assert body["id"].startswith("chatcmpl-") and body["object"] == "chat.completion"
    assert body["model"] == "cs140" and body["served_model"] == "cs140-v2"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "A TLB caches translations [1]."},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    assert body["usage"] == {"prompt_tokens": 90, "completion_tokens": 12, "total_tokens": 102}
    assert body["citations"] == [CITATION.model_dump()]
    assert body["covered"] is True and body["degraded"] is False


def test_a_degraded_answer_says_so_in_the_completion_and_in_the_streams_last_chunk() -> None:
    down = answered("The model server is unavailable.", model="none", degraded=True)
    assert completion(down, "cs140", max_tokens=64).model_dump()["degraded"] is True
    chunks = sse([Done(down)])
    assert chunks[-1]["degraded"] is True
    assert chunks[1]["choices"][0]["delta"] == {"content": "The model server is unavailable."}  # type: ignore[index]


def test_an_answer_that_used_every_allowed_token_finishes_for_length() -> None:
    assert completion(answered(), "cs140", max_tokens=12).choices[0].finish_reason == "length"
    not_covered = answered("Not covered.", model="none", covered=False, usage=Usage())
    assert completion(not_covered, "cs140", max_tokens=0).choices[0].finish_reason == "stop"


def sse(events: list[Delta | Done], max_tokens: int = 64) -> list[dict[str, object]]:
    return [
        json.loads(chunk.model_dump_json())
        for chunk in completion_chunks(events, "cs140", max_tokens)
    ]


def test_a_stream_opens_with_the_role_sends_pieces_and_ends_with_the_citations() -> None:
    chunks = sse([Delta("A TLB "), Delta("caches [1]."), Done(answered("A TLB caches [1]."))])
    deltas = [c["choices"][0]["delta"] for c in chunks]  # type: ignore[index]
    assert deltas == [
        {"role": "assistant", "content": ""},
        {"content": "A TLB "},
        {"content": "caches [1]."},
        {},
    ]
    assert len({c["id"] for c in chunks}) == 1
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "cs140" for c in chunks)
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None, None, "stop"]  # type: ignore[index]
    final = chunks[-1]
    assert final["citations"] == [CITATION.model_dump()]
    assert final["served_model"] == "cs140-v2"
    assert "citations" not in chunks[1]


def test_an_answer_written_without_the_model_arrives_whole_in_one_piece() -> None:
    not_covered = answered("The material does not cover it.", model="none", covered=False)
    chunks = sse([Done(not_covered)])
    assert chunks[1]["choices"][0]["delta"] == {"content": "The material does not cover it."}  # type: ignore[index]
    assert chunks[-1]["covered"] is False


def test_a_model_that_broke_off_mid_stream_is_followed_by_the_reason() -> None:
    cut = answered("The model stopped responding.", model="none", usage=Usage())
    chunks = sse([Delta("A TLB is"), Done(cut)])
    contents = [c["choices"][0]["delta"].get("content") for c in chunks]  # type: ignore[index]
    assert contents == ["", "A TLB is", "\n\nThe model stopped responding.", None]


def test_errors_take_openais_shape_with_a_type_and_code_per_status() -> None:
    assert error_body(404, "course x does not exist") == {
        "error": {
            "message": "course x does not exist",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }
    assert error_body(401, "no key")["error"]["type"] == "authentication_error"
    assert error_body(422, "bad")["error"]["code"] == "invalid_request"
    assert error_body(503, "down")["error"]["type"] == "server_error"


def test_courses_are_listed_as_models_owned_by_byosc() -> None:
    created = datetime(2025, 1, 2, tzinfo=UTC)
    listed = model_list([Course(id="cs140", name="Operating Systems", created_at=created)])
    assert listed.model_dump() == {
        "object": "list",
        "data": [
            {
                "id": "cs140",
                "object": "model",
                "created": int(created.timestamp()),
                "owned_by": "byosc",
                "name": "Operating Systems",
            }
        ],
    }
