"""Overload is refused, not collapsed: the real inference app over an ingested course, its
model server a slow stand-in. Chats past the running slots and the queue get a 503 with
Retry-After at once, every accepted chat completes; streams wait for the model without
holding a thread each; a client that leaves mid-stream stops the model server's stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from byosc.domain import Course
from byosc.ingest import read_paths
from byosc.settings import InflightSettings, LlmSettings, RagSettings, Settings
from cli.runtime import Runtime
from services.inference.app import create_app
from tests.support.slow_model import slow_model
from tests.support.threaded_server import served_in_thread

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
LECTURE = MATERIAL / "02-cpu-scheduling.md"
MODEL_TIMEOUT_S = 60.0
# A refusal costs no model call and no retrieval: it must come far sooner than any answer.
REFUSED_WITHIN_S = 2.0
# The stand-in's long answer takes 18 s; a stream whose client left ends within a piece or
# two, given some slack for a loaded machine.
STOPS_WITHIN_S = 5.0
INFLIGHT = "byosc_inflight_requests"


@pytest.fixture(scope="module")
def settings(byosc_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(
        home=byosc_home,
        data_dir=tmp_path_factory.mktemp("overload"),
        rag=RagSettings(model_timeout_s=MODEL_TIMEOUT_S),
    )
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="os", name="Operating Systems"))
        rt.ingestor.ingest("os", read_paths([LECTURE]))
    return settings


def _app(settings: Settings, model_url: str, running: int, waiting: int) -> FastAPI:
    return create_app(
        settings.model_copy(
            update={
                "llm": LlmSettings(base_url=model_url),
                "inflight": InflightSettings(running=running, waiting=waiting, retry_after_s=3),
            }
        )
    )


@asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this test's event loop, its lifespan run, over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://inference") as client:
            yield client


def _ask(stream: bool) -> dict[str, object]:
    messages = [{"role": "user", "content": "What is round-robin scheduling?"}]
    return {"course_id": "os", "messages": messages, "stream": stream, "use_adapter": False}


async def _timed_chat(client: httpx.AsyncClient, stream: bool) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await client.post("/chat", json=_ask(stream), timeout=MODEL_TIMEOUT_S * 2)
    return response, time.monotonic() - started


def _metrics(text: str) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels.get("service") == "inference"
    }


@pytest.mark.anyio
async def test_chats_past_the_slots_and_the_queue_get_503_at_once_and_the_rest_complete(
    settings: Settings,
) -> None:
    running, waiting, surplus = 2, 3, 5
    with slow_model(piece_s=0.1) as model:
        async with _client(_app(settings, model.url, running, waiting)) as client:
            chats = [
                asyncio.create_task(_timed_chat(client, stream=n % 2 == 0))
                for n in range(running + waiting + surplus)
            ]
            await asyncio.sleep(0.5)
            during = _metrics((await client.get("/metrics")).text)
            answered = await asyncio.gather(*chats)
            after = _metrics((await client.get("/metrics")).text)

    refused = [(r, s) for r, s in answered if r.status_code == 503]
    accepted = [r for r, _ in answered if r.status_code != 503]
    assert len(refused) == surplus and len(accepted) == running + waiting
    for response, seconds in refused:
        assert seconds < REFUSED_WITHIN_S
        assert response.headers["retry-after"] == "3"
        assert "limit of 2 running and 3 waiting" in response.json()["detail"]
    assert all(r.status_code == 200 for r in accepted), [r.text for r in accepted]
    assert all("degraded" not in r.text or '"degraded":false' in r.text for r in accepted)
    assert model.completed == running + waiting and model.abandoned == 0
    assert during["byosc_inflight_requests"] == running
    assert during["byosc_queued_requests"] == waiting
    assert after["byosc_overload_rejections_total"] == surplus
    assert after["byosc_inflight_requests"] == after["byosc_queued_requests"] == 0


@pytest.mark.anyio
async def test_searches_are_answered_while_chats_fill_their_own_bound(settings: Settings) -> None:
    with slow_model(piece_s=0.1) as model:
        async with _client(_app(settings, model.url, running=1, waiting=0)) as client:
            chats = [asyncio.create_task(_timed_chat(client, stream=False)) for _ in range(3)]
            await asyncio.sleep(0.5)
            search = await client.get("/courses/os/search", params={"q": "round robin"})
            during = _metrics((await client.get("/metrics")).text)
            answered = await asyncio.gather(*chats)
    assert search.status_code == 200 and search.json()
    assert sorted(r.status_code for r, _ in answered) == [200, 503, 503]
    assert during["byosc_retrieval_overload_rejections_total"] == 0


@pytest.mark.anyio
async def test_concurrent_streams_proceed_together_on_a_thread_pool_of_one(
    settings: Settings,
) -> None:
    streams = 8
    with slow_model(piece_s=0.1) as model:
        one_stream_s = model.piece_s * len(model.words)
        async with _client(_app(settings, model.url, streams, 0)) as client:
            # Retrieval and the checks after the answer still take a thread, one at a time.
            anyio.to_thread.current_default_thread_limiter().total_tokens = 1
            started = time.monotonic()
            answered = await asyncio.gather(*(_timed_chat(client, True) for _ in range(streams)))
            elapsed = time.monotonic() - started

    assert all(r.status_code == 200 and "event: done" in r.text for r, _ in answered)
    assert model.most_open == streams and model.completed == streams
    # One after another they would take `streams` times as long.
    assert elapsed < one_stream_s * streams / 2


@pytest.mark.parametrize("path", ["/chat", "/v1/chat/completions"])
def test_a_client_that_leaves_mid_stream_stops_the_model_servers_stream_at_once(
    settings: Settings, path: str
) -> None:
    long_answer = " ".join(["Round-robin scheduling gives each process a slice [1]."] * 40)
    with slow_model(piece_s=0.05, answer=long_answer) as model:
        app = _app(settings, model.url, running=4, waiting=0)
        with (
            served_in_thread(app) as url,
            httpx.Client(base_url=url, timeout=MODEL_TIMEOUT_S) as client,
        ):
            body = _ask(stream=True)
            if path != "/chat":
                body = {"model": "os", "messages": body["messages"], "stream": True}
            with client.stream("POST", path, json=body) as response:
                assert response.status_code == 200
                next(line for line in response.iter_lines() if "Round" in line)
                assert model.open_streams == 1
            left = time.monotonic()
            while model.abandoned == 0 or _metrics(client.get("/metrics").text)[INFLIGHT]:
                assert time.monotonic() - left < STOPS_WITHIN_S, "the model server still streams"
                time.sleep(0.05)
            assert model.open_streams == 0 and model.completed == 0
