"""A bound on a service's expensive work: `running` requests at once, `waiting` more in a
queue, and past that a 503 with Retry-After at once. An overloaded service that queued
without bound would answer every request late, after its clients' timeouts; refused
requests cost it nothing and tell the client when to come back.

The limit holds for the whole response, a streamed one included, so it wraps the ASGI call
rather than the route. A request that has to wait has its body read first; a client that
leaves while it waits is dropped from the queue without ever reaching the route."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byosc.openai_compat import error_body
from byosc.settings import InflightSettings

# The routes that cost a model call, and those that cost a search (quizzes are made from
# searches, without the model); the rest are cheap reads and writes. The inference service
# bounds the two apart, so that searches are not queued behind slow generations; the
# gateway bounds them together.
MODEL_ROUTES = [("POST", "/chat"), ("POST", "/v1/chat/completions")]
RETRIEVAL_ROUTES = [("GET", "/courses/[^/]+/search"), ("POST", "/courses/[^/]+/quiz(/grade)?")]
EXPENSIVE_ROUTES = MODEL_ROUTES + RETRIEVAL_ROUTES


class Overloaded(Exception):
    """Every running slot and every waiting place is taken."""


class ClientLeft(Exception):
    """The client disconnected while its request waited for a slot."""


class InflightLimiter:
    """`running` slots and a FIFO queue of `waiting` places before them. With `max_wait_s`
    the queue is also bounded in time: a request whose expected wait is longer is refused
    at once, and one that has waited that long without a slot is refused then."""

    def __init__(self, running: int, waiting: int, max_wait_s: float | None = None) -> None:
        if running < 1 or waiting < 0:
            raise ValueError("running must be at least 1 and waiting at least 0")
        self.max_running = running
        self.max_waiting = waiting
        self.max_wait_s = max_wait_s
        self.running = 0
        self.waiting = 0
        self.rejected = 0
        # Seconds a request holds its slot, a moving average of the finished ones: under
        # load generation slows, and the queue's bound in time follows it.
        self.seconds_per_request = 0.0
        self._slots = asyncio.Semaphore(running)
        self._count_refusal: Callable[[], object] = lambda: None

    def expected_wait_s(self) -> float:
        """For a request joining the queue now: its place times the time per request,
        shared by the running slots."""
        return (self.waiting + 1) * self.seconds_per_request / self.max_running

    def observe(self, seconds: float) -> None:
        weight = 0.2 if self.seconds_per_request else 1.0
        self.seconds_per_request += weight * (seconds - self.seconds_per_request)

    @property
    def full(self) -> bool:
        """Every slot is taken (or promised to a waiter): a new request would wait."""
        return self._slots.locked()

    def check_room(self) -> None:
        """Raises Overloaded (and counts it) when a new request would find no place, or a
        place it would wait in for longer than max_wait_s."""
        if self.full and (self.waiting >= self.max_waiting or self._too_slow()):
            self.refuse()

    def refuse(self) -> None:
        self.rejected += 1
        self._count_refusal()
        raise Overloaded

    def _too_slow(self) -> bool:
        return self.max_wait_s is not None and self.expected_wait_s() > self.max_wait_s

    async def acquire(self) -> None:
        """Takes a running slot, waiting in the queue if need be; raises Overloaded at once
        when the queue is full too. A waiter that is cancelled leaves the queue."""
        self.check_room()
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1

    def release(self) -> None:
        self.running -= 1
        self._slots.release()

    def export(self, registry: CollectorRegistry, service: str, prefix: str = "byosc") -> None:
        """In-flight, queued and refused counts into the service's /metrics, under names
        starting with `prefix` (one per limiter of a service)."""
        gauges = {
            f"{prefix}_inflight_requests": ("Expensive requests running now", lambda: self.running),
            f"{prefix}_queued_requests": (
                "Expensive requests waiting for a running slot",
                lambda: self.waiting,
            ),
        }
        for name, (help_text, read) in gauges.items():
            Gauge(name, help_text, ["service"], registry=registry).labels(service).set_function(
                read
            )
        refused = Counter(
            f"{prefix}_overload_rejections",
            "Requests answered 503 because every slot and queue place was taken",
            ["service"],
            registry=registry,
        )
        self._count_refusal = refused.labels(service).inc


class LimitedRoutes:
    """ASGI middleware: requests whose method and path match one of `routes` (a method and a
    regular expression over the path) go through `limiter`; the rest pass untouched."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: InflightLimiter,
        routes: Iterable[tuple[str, str]],
        retry_after_s: int,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.routes = [(method, re.compile(pattern)) for method, pattern in routes]
        self.retry_after_s = retry_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._limited(scope):
            await self.app(scope, receive, send)
            return
        try:
            if self.limiter.full:
                receive = await self._wait(receive)
            else:
                await self.limiter.acquire()
        except Overloaded:
            await self._refuse(scope, send)
            return
        except ClientLeft:
            return
        started = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self.limiter.observe(time.monotonic() - started)
            self.limiter.release()

    async def _wait(self, receive: Receive) -> Receive:
        """Waits for a slot, watching the client; returns the request's `receive` with its
        body read ahead (a disconnect comes only after the body)."""
        self.limiter.check_room()
        body = await _read_body(receive)
        waiting = asyncio.ensure_future(self.limiter.acquire())
        leaving = asyncio.ensure_future(_disconnect(receive))
        try:
            await asyncio.wait(
                {waiting, leaving},
                timeout=self.limiter.max_wait_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if leaving.done():
                raise ClientLeft
            if not waiting.done():
                self.limiter.refuse()  # waited max_wait_s without a slot
            waiting.result()  # Overloaded, if the queue filled while the body was read
        except BaseException:
            # Out of the queue; a slot given at the same moment goes back.
            waiting.cancel()
            waiting.add_done_callback(self._release_if_taken)
            raise
        finally:
            leaving.cancel()

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        return replay

    def _release_if_taken(self, waiting: asyncio.Future[None]) -> None:
        if not waiting.cancelled() and waiting.exception() is None:
            self.limiter.release()

    def _limited(self, scope: Scope) -> bool:
        path, method = scope["path"], scope["method"]
        return any(m == method and p.fullmatch(path) for m, p in self.routes)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        limiter = self.limiter
        bound = f"{limiter.max_running} running and {limiter.max_waiting} waiting requests"
        if limiter.max_wait_s is not None:
            bound += f", none waiting longer than {limiter.max_wait_s:g} s"
        message = f"the service is at its limit of {bound}; retry in {self.retry_after_s} s"
        # OpenAI clients read their error shape; this API's clients read "detail".
        answer = error_body(503, message) if scope["path"].startswith("/v1/") else {}
        body = json.dumps({"detail": message, **answer}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self.retry_after_s).encode()),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> list[Message]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def limit_routes(
    app: Starlette,
    settings: InflightSettings,
    routes: Iterable[tuple[str, str]] = EXPENSIVE_ROUTES,
) -> InflightLimiter:
    """Puts `routes` of `app` behind a limiter from `settings` (app.state.inflight). Added
    before the common middleware, it sits inside it: its 503s get a request ID and are
    counted as requests."""
    limiter = InflightLimiter(settings.running, settings.waiting, settings.max_wait_s)
    app.state.inflight = getattr(app.state, "inflight", limiter)
    app.add_middleware(
        LimitedRoutes, limiter=limiter, routes=routes, retry_after_s=settings.retry_after_s
    )
    return limiter
