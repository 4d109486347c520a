"""The course chatbot through the real openai client, against the real gateway and services:
model = course ID, the course's citations in the extra field, scopes kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import openai
import pytest

from services.stack import Stack
from tests.e2e.conftest import courses_with_material

NOTES = b"""# Paging

A page table maps virtual pages to physical frames.
The translation lookaside buffer (TLB) caches recent address translations,
so most memory accesses skip the page table walk.
"""
QUESTION = [{"role": "user", "content": "What does the translation lookaside buffer cache?"}]
Connect = Callable[[str], openai.OpenAI]


@pytest.fixture(scope="module")
def courses(api: httpx.Client) -> tuple[str, str]:
    return courses_with_material(api, "oai101", "oai202", "paging.md", NOTES)


@pytest.fixture(scope="module")
def connect(stack: Stack) -> Iterator[Connect]:
    clients: list[openai.OpenAI] = []

    def make(token: str) -> openai.OpenAI:
        client = openai.OpenAI(
            base_url=f"{stack.url('gateway')}/v1", api_key=token, max_retries=0, timeout=120
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def scoped(api: httpx.Client, connect: Connect) -> Connect:
    """An openai client with a new client key for one course."""

    def make(course_id: str) -> openai.OpenAI:
        body = {"name": f"lms {course_id}", "role": "client", "courses": [course_id]}
        created = api.post("/keys", json=body)
        assert created.status_code == 201, created.text
        return connect(created.json()["token"])

    return make


def test_a_completion_answers_from_the_course_with_citations_in_the_extra_field(
    scoped: Connect, courses: tuple[str, str]
) -> None:
    client = scoped("oai101")
    answer = client.chat.completions.create(model="oai101", messages=QUESTION, max_tokens=8)  # type: ignore[arg-type]
    assert answer.object == "chat.completion" and answer.model == "oai101"
    assert answer.choices[0].message.content
    assert answer.choices[0].finish_reason in ("stop", "length")
    assert answer.usage is not None and answer.usage.completion_tokens > 0
    extra = answer.model_extra or {}
    assert extra["citations"][0]["filename"] == "paging.md"
    assert "TLB" in extra["citations"][0]["snippet"]
    assert extra["served_model"] == "smollm2-135m-instruct"


def test_a_streamed_completion_yields_content_and_ends_with_citations(
    scoped: Connect, courses: tuple[str, str]
) -> None:
    client = scoped("oai101")
    chunks = list(
        client.chat.completions.create(
            model="oai101",
            messages=QUESTION,  # type: ignore[arg-type]
            max_completion_tokens=16,
            stream=True,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    final = chunks[-1]
    assert final.choices[0].finish_reason in ("stop", "length")
    assert (final.model_extra or {})["citations"][0]["filename"] == "paging.md"


def test_models_lists_the_courses_each_key_reaches(
    scoped: Connect,
    connect: Connect,
    admin_token: str,
    courses: tuple[str, str],
) -> None:
    assert [m.id for m in scoped("oai101").models.list()] == ["oai101"]
    assert [m.id for m in scoped("oai202").models.list()] == ["oai202"]
    everything = {m.id: m for m in connect(admin_token).models.list()}
    assert {"oai101", "oai202"} <= set(everything)
    assert everything["oai101"].owned_by == "byosc"


def test_a_key_scoped_to_another_course_gets_404_for_this_courses_model(
    scoped: Connect,
    connect: Connect,
    admin_token: str,
    courses: tuple[str, str],
) -> None:
    other = scoped("oai202")
    for stream in (False, True):
        with pytest.raises(openai.NotFoundError) as raised:
            other.chat.completions.create(model="oai101", messages=QUESTION, stream=stream)  # type: ignore[call-overload]
        assert raised.value.body["code"] == "model_not_found"  # type: ignore[index]
    # The same answer an admin gets for a course that does not exist.
    with pytest.raises(openai.NotFoundError) as missing:
        connect(admin_token).chat.completions.create(model="nope", messages=QUESTION)  # type: ignore[arg-type]
    assert missing.value.body["message"] == "course nope does not exist"  # type: ignore[index]
