"""LlmGenerator's parsing, repair, re-asking, backoff and rate limit, driven by a fake
OpenAI client: a real server cannot be made to fail on cue."""

from __future__ import annotations

import json
from typing import Any, cast

import httpx
import openai
import pytest

from byosc.domain import Chunk
from byosc.instructions.llm import LlmGenerator, RateLimiter, parse_reply
from byosc.instructions.settings import InstructionSettings

CHUNK = Chunk(
    id="c0",
    course_id="os",
    document_id="d0",
    index=0,
    text="Thrashing refers to a state in which a system spends more time paging than executing.",
    title="Memory",
    filename="memory.md",
)
GOOD = json.dumps({"pairs": [{"question": "What is thrashing?", "answer": "Paging more."}]})
REQUEST = httpx.Request("POST", "http://model/v1/chat/completions")


def _status(kind: type[openai.APIStatusError], code: int) -> openai.APIStatusError:
    return kind("failed", response=httpx.Response(code, request=REQUEST), body=None)


class FakeClient:
    """Answers each create() with the next scripted reply text, or raises it."""

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.chat = self
        self.completions = self

    def create(self, **request: Any) -> Any:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        message = type("Message", (), {"content": reply})
        return type("Reply", (), {"choices": [type("Choice", (), {"message": message})]})


def generate(client: FakeClient, **settings: Any) -> tuple[Any, list[float]]:
    waits: list[float] = []
    generator = LlmGenerator(
        cast(openai.OpenAI, client), "m", InstructionSettings(**settings), sleep=waits.append
    )
    return generator.generate([CHUNK]), waits


def test_a_valid_reply_becomes_candidates_of_its_chunk() -> None:
    generated, _ = generate(FakeClient(GOOD))
    [candidate] = generated.candidates
    assert (candidate.question, candidate.chunk.id, candidate.generator) == (
        "What is thrashing?",
        "c0",
        "llm",
    )
    assert candidate.model == "m" and generated.rejections == []


def test_code_fences_and_chatter_around_the_object_are_repaired() -> None:
    assert parse_reply(f"```json\n{GOOD}\n```").pairs[0].question == "What is thrashing?"
    assert len(parse_reply(f"Sure! Here you go: {GOOD} Hope it helps.").pairs) == 1


@pytest.mark.parametrize(
    "text",
    ["no json at all", '{"pairs": [{"question": 1, "answer": "x"}]}', '{"items": []}', "{"],
)
def test_replies_that_are_not_the_asked_json_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_reply(text)


def test_malformed_output_is_asked_again_then_rejected_with_the_reply() -> None:
    client = FakeClient("nonsense", "still {not json", "[feature_name]")
    generated, _ = generate(client, max_retries=2)
    assert generated.candidates == [] and len(client.requests) == 3
    [rejection] = generated.rejections
    assert (rejection.reason, rejection.chunk_id) == ("malformed_output", "c0")
    assert "[feature_name]" in rejection.detail
    assert client.requests[1]["messages"][-2:][0] == {"role": "assistant", "content": "nonsense"}


def test_a_re_ask_that_succeeds_gives_candidates() -> None:
    generated, _ = generate(FakeClient("oops", GOOD), max_retries=1)
    assert len(generated.candidates) == 1 and generated.rejections == []


def test_transient_errors_are_retried_with_exponential_backoff() -> None:
    client = FakeClient(
        openai.APIConnectionError(request=REQUEST),
        _status(openai.RateLimitError, 429),
        _status(openai.InternalServerError, 500),
        GOOD,
    )
    generated, waits = generate(client, max_retries=3, backoff_s=0.5)
    assert len(generated.candidates) == 1
    assert waits == [0.5, 1.0, 2.0]


def test_transient_errors_past_the_retry_budget_become_an_api_error() -> None:
    client = FakeClient(*[openai.APITimeoutError(request=REQUEST)] * 3)
    generated, waits = generate(client, max_retries=2, backoff_s=1.0, max_backoff_s=1.5)
    [rejection] = generated.rejections
    assert rejection.reason == "api_error" and "APITimeoutError" in rejection.detail
    assert waits == [1.0, 1.5]


def test_other_api_errors_are_not_retried() -> None:
    client = FakeClient(_status(openai.BadRequestError, 400), GOOD)
    generated, waits = generate(client, max_retries=3)
    assert [r.reason for r in generated.rejections] == ["api_error"] and waits == []


def test_pairs_beyond_the_limit_are_rejected_not_dropped() -> None:
    pairs = [{"question": f"Question {n}?", "answer": "An answer."} for n in range(4)]
    generated, _ = generate(FakeClient(json.dumps({"pairs": pairs})), max_pairs_per_chunk=3)
    assert len(generated.candidates) == 3
    assert [r.question for r in generated.rejections] == ["Question 3?"]


def test_the_schema_response_format_is_sent_only_when_enabled() -> None:
    with_schema, without = FakeClient(GOOD), FakeClient(GOOD)
    generate(with_schema, json_schema=True)
    generate(without, json_schema=False)
    sent = with_schema.requests[0]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    assert "response_format" not in without.requests[0]


def test_the_rate_limiter_spaces_request_starts() -> None:
    now = [100.0]
    waits: list[float] = []
    limiter = RateLimiter(per_minute=120, clock=lambda: now[0])
    for _ in range(3):
        limiter.wait(waits.append)
    assert waits == [0.5, 1.0]
    RateLimiter(None).wait(waits.append)
    assert waits == [0.5, 1.0]
