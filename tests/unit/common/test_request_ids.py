"""Request IDs on a service built with install_common: taken from the caller when sane,
made otherwise, echoed on every kind of answer and stamped on the log lines written
while the request is handled."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from byosc.errors import NotFound
from byosc.request_ids import HEADER, accept_request_id, current_request_id, request_id_headers
from byosc.settings import LogSettings
from services.common.logs import log_handler
from services.common.web import install_common

log = logging.getLogger("tests.request_ids")
NEW_ID = re.compile(r"[0-9a-f]{32}")


def _app() -> FastAPI:
    app = FastAPI()
    install_common(app, "test")

    @app.get("/sync")
    def in_thread_pool() -> dict[str, str | None]:
        log.info("handled in a worker thread")
        return {"seen": current_request_id()}

    @app.get("/async")
    async def on_event_loop() -> dict[str, str | None]:
        await asyncio.sleep(0)
        log.info("handled on the event loop")
        return {"seen": current_request_id()}

    @app.get("/missing")
    def missing() -> None:
        raise NotFound("no such thing")

    @app.get("/refused")
    def refused() -> None:
        raise HTTPException(status_code=403, detail="no")

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    @app.get("/stream")
    def stream() -> StreamingResponse:
        def pieces() -> Iterator[str]:
            yield f"{current_request_id()}\n"
            log.info("streaming")
            yield "done\n"

        return StreamingResponse(pieces(), media_type="text/plain")

    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the service's JSON log handler writes while a test runs."""
    written = io.StringIO()
    handler = log_handler("test", LogSettings(json_lines=True), written)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield written
    finally:
        log.removeHandler(handler)


def _logged(written: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


@pytest.mark.parametrize("sane", ["e2e-trace-123", "a", "A.b_c:d-9", "x" * 64])
def test_a_sane_id_from_the_caller_is_kept_and_echoed(client: TestClient, sane: str) -> None:
    response = client.get("/sync", headers={HEADER: sane})
    assert response.headers[HEADER] == sane
    assert response.json()["seen"] == sane


@pytest.mark.parametrize("insane", ["", "x" * 65, "has space", 'quote"d', "semi;colon", "é"])
def test_an_insane_id_is_replaced_by_a_new_one(client: TestClient, insane: str) -> None:
    response = client.get("/sync", headers={HEADER.encode(): insane.encode()})
    echoed = response.headers[HEADER]
    assert echoed != insane and NEW_ID.fullmatch(echoed)
    assert response.json()["seen"] == echoed


def test_a_request_without_an_id_gets_a_new_one_each_time(client: TestClient) -> None:
    first, second = (client.get("/async").headers[HEADER] for _ in range(2))
    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    ("path", "status"), [("/missing", 404), ("/refused", 403), ("/broken", 500), ("/nowhere", 404)]
)
def test_error_answers_carry_the_id(client: TestClient, path: str, status: int) -> None:
    response = client.get(path, headers={HEADER: "trace-err"})
    assert response.status_code == status
    assert response.headers[HEADER] == "trace-err"


def test_a_streamed_answer_carries_the_id_in_its_header_and_while_it_streams(
    client: TestClient, log_lines: io.StringIO
) -> None:
    response = client.get("/stream", headers={HEADER: "trace-stream"})
    assert response.headers[HEADER] == "trace-stream"
    assert response.text.splitlines() == ["trace-stream", "done"]
    assert [e.get("request_id") for e in _logged(log_lines)] == ["trace-stream"]


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_log_lines_written_while_handling_a_request_carry_its_id(
    client: TestClient, log_lines: io.StringIO, path: str
) -> None:
    client.get(path, headers={HEADER: "trace-a"})
    client.get(path, headers={HEADER: "trace-b"})
    assert [e.get("request_id") for e in _logged(log_lines)] == ["trace-a", "trace-b"]


def test_an_error_that_escapes_the_app_is_counted_as_a_500(client: TestClient) -> None:
    client.get("/broken")
    client.get("/sync")
    families = text_string_to_metric_families(client.get("/metrics").text)
    counted = {
        (s.labels["route"], s.labels["status"]): s.value
        for family in families
        if family.name == "http_requests"
        for s in family.samples
        if s.name == "http_requests_total"
    }
    assert counted == {("/broken", "500"): 1.0, ("/sync", "200"): 1.0}


def _called_in_this_task(path: str, request_id: str) -> str | None:
    """Calls the app in the caller's own task, as an in-process ASGI client does, and
    returns the request ID current in that task afterwards."""

    async def call() -> str | None:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            try:
                response = await client.get(path, headers={HEADER: request_id})
                assert response.headers[HEADER] == request_id
            except RuntimeError:
                pass
        return current_request_id()

    return asyncio.run(call())


def test_the_id_is_not_left_behind_once_the_answer_is_sent() -> None:
    assert _called_in_this_task("/async", "trace-gone") is None


def test_an_error_that_escapes_leaves_the_id_current_for_the_servers_traceback() -> None:
    assert _called_in_this_task("/broken", "trace-kept") == "trace-kept"


def test_outside_a_request_there_is_no_id_to_hand_on() -> None:
    assert current_request_id() is None
    assert request_id_headers() == {}


def test_accepting_keeps_sane_ids_and_replaces_the_rest() -> None:
    assert accept_request_id("abc:1") == "abc:1"
    assert NEW_ID.fullmatch(accept_request_id(None))
    assert NEW_ID.fullmatch(accept_request_id("new\nline"))
