"""A client that goes away stops its generation: the model server process, cut off mid-answer
over HTTP, streamed and not."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.modelserver import engine_metrics, wait_until_idle

pytestmark = pytest.mark.slow

COUNTING = [{"role": "user", "content": "Count from 1 to 1000, one number per line."}]
# Minutes of generation on a CPU, were it left to run after its client left.
LONG = 1000
# A cut generation must stop within a few tokens, each up to a second on a loaded CPU.
STOPS_WITHIN_S = 20.0


@pytest.fixture
def server(modelserver_url: str) -> str:
    url = modelserver_url.removesuffix("/v1")
    wait_until_idle(url, timeout_s=300)  # whatever an earlier test left running
    return url


def _assert_stopped_early(server: str, before: dict[str, float]) -> None:
    after = wait_until_idle(server, STOPS_WITHIN_S)
    assert after["modelserver_requests_cancelled_total"] == (
        before["modelserver_requests_cancelled_total"] + 1
    )
    generated = after["modelserver_generation_tokens_total"]
    assert generated - before["modelserver_generation_tokens_total"] < LONG
    time.sleep(1.0)
    assert engine_metrics(server)["modelserver_generation_tokens_total"] == generated


def test_a_stream_its_client_cuts_stops_generating(server: str) -> None:
    before = engine_metrics(server)
    body = {"messages": COUNTING, "max_tokens": LONG, "stream": True}
    with (
        httpx.Client(base_url=server, timeout=120.0) as client,
        client.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        pieces = 0
        for line in response.iter_lines():
            pieces += '"content"' in line
            if pieces >= 3:
                break
    _assert_stopped_early(server, before)


def test_a_completion_its_client_gave_up_on_stops_generating(server: str) -> None:
    before = engine_metrics(server)
    body = {"messages": COUNTING, "max_tokens": LONG}
    impatient = httpx.Timeout(120.0, read=3.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server}/v1/chat/completions", json=body, timeout=impatient)
    _assert_stopped_early(server, before)
