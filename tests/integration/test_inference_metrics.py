"""The inference service's chat metrics, on the real app in process over an ingested
course: retrieval time after searches and chats, time to first token after streamed and
whole answers (the local engine in process), and the model server's failures by reason
(a server that is not there, then the open circuit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from byosc.domain import Course
from byosc.ingest import read_paths
from byosc.settings import LlmSettings, RagSettings, Settings
from cli.runtime import Runtime
from services.inference.app import create_app
from tests.support.modelserver import free_port

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
LECTURE = MATERIAL / "02-cpu-scheduling.md"
QUESTION = "What is round-robin scheduling?"


def _ask(stream: bool = False) -> dict[str, object]:
    messages = [{"role": "user", "content": QUESTION}]
    return {"course_id": "os", "messages": messages, "stream": stream, "max_tokens": 4}


def _samples(client: TestClient, name: str) -> dict[tuple[str, ...], float]:
    return {
        tuple(f"{k}={v}" for k, v in sample.labels.items()): sample.value
        for family in text_string_to_metric_families(client.get("/metrics").text)
        for sample in family.samples
        if sample.name == name
    }


def _inference(settings: Settings) -> Iterator[TestClient]:
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="os", name="Operating Systems"))
        rt.ingestor.ingest("os", read_paths([LECTURE]))
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def with_engine(byosc_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("engine")
    yield from _inference(
        Settings(home=byosc_home, data_dir=data_dir, llm=LlmSettings(in_process=True))
    )


@pytest.fixture(scope="module")
def without_server(
    byosc_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = Settings(
        home=byosc_home,
        data_dir=tmp_path_factory.mktemp("no-server"),
        llm=LlmSettings(base_url=f"http://127.0.0.1:{free_port()}/v1"),
        rag=RagSettings(breaker_failures=1, breaker_open_s=600.0),
    )
    yield from _inference(settings)


def test_searches_and_chats_are_timed_and_each_answer_gives_its_first_token_time(
    with_engine: TestClient,
) -> None:
    assert _samples(with_engine, "byosc_retrieval_seconds_count") == {(): 0.0}
    assert not _samples(with_engine, "byosc_chat_time_to_first_token_seconds_count")

    hits = with_engine.get("/courses/os/search", params={"q": "round robin"})
    assert hits.status_code == 200 and hits.json()
    assert _samples(with_engine, "byosc_retrieval_seconds_count") == {(): 1.0}

    whole = with_engine.post("/chat", json=_ask())
    assert whole.status_code == 200 and not whole.json()["degraded"]
    streamed = with_engine.post("/chat", json=_ask(stream=True))
    assert streamed.status_code == 200 and "event: delta" in streamed.text

    assert _samples(with_engine, "byosc_retrieval_seconds_count") == {(): 3.0}
    first_token = _samples(with_engine, "byosc_chat_time_to_first_token_seconds_count")
    assert first_token == {("mode=full",): 1.0, ("mode=stream",): 1.0}
    took = _samples(with_engine, "byosc_chat_time_to_first_token_seconds_sum")
    assert all(seconds > 0 for seconds in took.values())
    assert _samples(with_engine, "byosc_retrieval_seconds_sum")[()] > 0
    failures = _samples(with_engine, "byosc_model_server_errors_total")
    assert set(failures.values()) == {0.0} and len(failures) == 4


def test_a_model_server_that_is_not_there_and_then_the_open_circuit_are_counted_by_reason(
    without_server: TestClient,
) -> None:
    for _ in range(3):
        answer = without_server.post("/chat", json=_ask())
        assert answer.status_code == 200 and answer.json()["degraded"]
    failures = _samples(without_server, "byosc_model_server_errors_total")
    assert failures == {
        ("reason=timeout",): 0.0,
        ("reason=unavailable",): 1.0,
        ("reason=error_status",): 0.0,
        ("reason=breaker_open",): 2.0,
    }
    assert not _samples(without_server, "byosc_chat_time_to_first_token_seconds_count")
