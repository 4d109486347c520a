"""What the OpenAI client tells about each call to the model server: which request it
serves (X-Request-ID), what it asks of the generation (stop strings, repetition controls),
and, when it fails, why (the reason the chat's metrics count).
Real sockets on loopback stand in for servers that answer 503, never answer, or are not
there at all."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from byosc.errors import ModelUnavailable
from byosc.llm.breaker import CircuitBreaker, CircuitOpen, failure_reason
from byosc.llm.openai_chat import OpenAIChatModel
from byosc.request_ids import reset_request_id, set_request_id
from byosc.settings import LlmSettings
from tests.support.modelserver import free_port

HELLO = [{"role": "user", "content": "hello"}]


class RecordingServer(ThreadingHTTPServer):
    """Answers chat completions with `status` and a one-word answer (streamed when asked),
    and keeps the X-Request-ID and the body of every request it gets."""

    def __init__(self, status: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = status
        self.request_ids: list[str | None] = []
        self.bodies: list[dict[str, object]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: RecordingServer

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        self.server.request_ids.append(self.headers.get("x-request-id"))
        self.server.bodies.append(request)
        if request.get("stream") and self.server.status == 200:
            self._stream_hi()
            return
        body = {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "base",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "hi"},
                    "finish_reason": "stop",
                }
            ],
        }
        if self.server.status != 200:
            body = {"error": {"message": "overloaded", "type": "ServiceUnavailable"}}
        payload = json.dumps(body).encode()
        self.send_response(self.server.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream_hi(self) -> None:
        delta = {"role": "assistant", "content": "hi"}
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "base"}
        chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": "stop"}]
        payload = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[RecordingServer]:
    running = RecordingServer(getattr(request, "param", 200))
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.shutdown()
        running.server_close()


def _client(base_url: str, timeout_s: float = 5.0, **settings: float) -> OpenAIChatModel:
    llm = LlmSettings(base_url=base_url, timeout_s=timeout_s, **settings)
    return OpenAIChatModel(llm, max_retries=0)


def _failure(base_url: str, timeout_s: float = 5.0) -> ModelUnavailable:
    model = _client(base_url, timeout_s)
    try:
        with pytest.raises(ModelUnavailable) as raised:
            model.complete(HELLO, model=None, max_tokens=2)
    finally:
        model.close()
    return raised.value


def test_a_call_made_while_serving_a_request_carries_its_id(server: RecordingServer) -> None:
    model = _client(server.url)
    try:
        token = set_request_id("chat-42")
        try:
            assert model.complete(HELLO, model=None, max_tokens=2).text == "hi"
        finally:
            reset_request_id(token)
        model.complete(HELLO, model=None, max_tokens=2)
    finally:
        model.close()
    assert server.request_ids == ["chat-42", None]


def test_stop_strings_and_repetition_controls_reach_the_model_server(
    server: RecordingServer,
) -> None:
    model = _client(server.url, repetition_penalty=1.3, no_repeat_ngram_size=5)
    stop = ["<source", "</source"]
    try:
        assert model.complete(HELLO, model=None, max_tokens=2, stop=stop).text == "hi"
        assert list(model.stream(HELLO, model=None, max_tokens=2, stop=stop)) == ["hi"]
    finally:
        model.close()
    for body in server.bodies:
        assert body["stop"] == stop
        assert (body["repetition_penalty"], body["no_repeat_ngram_size"]) == (1.3, 5)


def test_repetition_controls_that_are_off_are_not_sent(server: RecordingServer) -> None:
    # vLLM warns about fields it does not know, such as no_repeat_ngram_size.
    model = _client(server.url, repetition_penalty=1.0, no_repeat_ngram_size=0)
    try:
        model.complete(HELLO, model=None, max_tokens=2)
    finally:
        model.close()
    assert not {"stop", "repetition_penalty", "no_repeat_ngram_size"} & set(server.bodies[0])


@pytest.mark.parametrize("server", [503, 429], indirect=True)
def test_an_error_status_is_told_apart(server: RecordingServer) -> None:
    assert failure_reason(_failure(server.url)) == "error_status"


def test_a_server_that_is_not_there_is_unavailable() -> None:
    assert failure_reason(_failure(f"http://127.0.0.1:{free_port()}/v1")) == "unavailable"


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # connections queue up; nothing ever reads them
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        assert failure_reason(_failure(f"http://127.0.0.1:{port}/v1", timeout_s=0.3)) == "timeout"


def test_a_refusal_by_an_open_circuit_is_told_apart() -> None:
    breaker = CircuitBreaker(failures_to_open=1, open_s=60.0)
    breaker.record_failure()
    with pytest.raises(CircuitOpen) as raised:
        breaker.before_call()
    assert failure_reason(raised.value) == "breaker_open"
    assert failure_reason(ModelUnavailable("any other")) == "unavailable"
