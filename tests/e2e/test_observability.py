"""Observability on the real stack: a request ID sent to the gateway comes back and is in
the JSON log lines of every process that served it (gateway, inference, model server; the
job worker for an upload), and each service's /metrics shows what it knows."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.stack import Stack

NOTES = (
    b"# Paging\n\nA page table maps virtual pages to physical frames. "
    b"The Flubber buffer caches the most recent page table entries.\n"
)


@pytest.fixture(scope="module")
def course(api: httpx.Client) -> str:
    assert api.post("/courses", json={"id": "obs101", "name": "Paging"}).status_code == 201
    files = [("files", ("paging.md", NOTES, "text/markdown"))]
    response = api.post(
        "/courses/obs101/documents",
        files=files,
        params={"wait_s": 120},
        headers={"X-Request-ID": "e2e-upload-77"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["job"]["state"] == "succeeded"
    return "obs101"


def _log_entries(stack: Stack, service: str) -> Iterator[dict[str, object]]:
    """The JSON lines of a service's log; anything else a process printed is skipped."""
    for line in (stack.data_dir / "logs" / f"{service}.log").read_text().splitlines():
        if line.startswith("{"):
            yield json.loads(line)


def _logged_with(stack: Stack, service: str, request_id: str) -> list[dict[str, object]]:
    """Lines of `service` carrying `request_id`, waiting a little for the last ones."""
    deadline = time.monotonic() + 10.0
    while True:
        found = [e for e in _log_entries(stack, service) if e.get("request_id") == request_id]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _samples(url: str, name: str) -> dict[tuple[str, ...], float]:
    families = text_string_to_metric_families(httpx.get(f"{url}/metrics").text)
    return {
        tuple(f"{k}={v}" for k, v in sample.labels.items()): sample.value
        for family in families
        for sample in family.samples
        if sample.name == name
    }


def test_a_chat_request_id_comes_back_and_is_in_the_logs_of_every_service_it_reached(
    stack: Stack, api: httpx.Client, course: str
) -> None:
    question = {"role": "user", "content": "What does the Flubber buffer cache?"}
    response = api.post(
        "/chat",
        json={"course_id": course, "messages": [question], "max_tokens": 8},
        headers={"X-Request-ID": "e2e-trace-123"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "e2e-trace-123"
    assert response.json()["degraded"] is False  # the model server answered

    for service in ("gateway", "inference", "modelserver"):
        lines = _logged_with(stack, service, "e2e-trace-123")
        assert lines, f"no log line of {service} carries the request ID"
        assert {line["service"] for line in lines} == {service}
    gateway_access = [
        line["message"]
        for line in _logged_with(stack, "gateway", "e2e-trace-123")
        if line["logger"] == "uvicorn.access"
    ]
    assert len(gateway_access) == 1 and '"POST /chat HTTP/1.1" 200' in str(gateway_access[0])
    model_calls = _logged_with(stack, "modelserver", "e2e-trace-123")
    assert any("/v1/chat/completions" in str(line["message"]) for line in model_calls)


def test_an_insane_request_id_is_replaced_before_it_reaches_any_log(api: httpx.Client) -> None:
    response = api.get("/courses", headers={"X-Request-ID": "bad id"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] != "bad id"
    assert len(response.headers["x-request-id"]) == 32


def test_the_upload_job_logs_in_the_worker_under_the_uploads_request_id(
    stack: Stack, course: str
) -> None:
    worker_lines = _logged_with(stack, "worker", "e2e-upload-77")
    assert any(line["logger"] == "celery.app.trace" for line in worker_lines)
    assert _logged_with(stack, "ingest", "e2e-upload-77")


def test_the_services_metrics_show_chat_timings_and_jobs_by_state(
    stack: Stack, api: httpx.Client, course: str
) -> None:
    api.get(f"/courses/{course}/search", params={"q": "page table"})
    api.post(
        "/chat",
        json={"course_id": course, "messages": [{"role": "user", "content": "Paging?"}]},
    )
    inference = stack.url("inference")
    assert _samples(inference, "byosc_retrieval_seconds_count")[()] >= 2
    first_token = _samples(inference, "byosc_chat_time_to_first_token_seconds_count")
    assert first_token.get(("mode=full",), 0) >= 1
    assert ("reason=breaker_open",) in _samples(inference, "byosc_model_server_errors_total")

    jobs = _samples(stack.url("ingest"), "byosc_jobs")
    assert jobs[("kind=refresh", "state=succeeded")] >= 1
    assert jobs[("kind=refresh", "state=running")] == 0
    depth = _samples(stack.url("ingest"), "byosc_queue_depth")
    assert set(depth) == {(f"queue={q}",) for q in ("cpu", "llm", "transcribe", "train")}

    requests = _samples(stack.url("gateway"), "http_requests_total")
    chats = {k: v for k, v in requests.items() if "route=/chat" in k and "status=200" in k}
    assert sum(chats.values()) >= 2
