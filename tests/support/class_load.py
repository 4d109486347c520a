"""A class of students in the background: each has its own client key and, until told to
stop (or after a bound on requests), asks short chats and searches with a short think time.
Every answer is recorded with its status, time and whether it was degraded; a request that
raised (a refused connection, no answer within the client's timeout) is recorded as such."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

MAX_TOKENS = 12
THINK_S = (0.2, 0.8)
REQUESTS_PER_USER = 400


@dataclass
class Answer:
    route: str
    status: int
    started: float  # time.monotonic()
    elapsed_s: float
    degraded: bool | None = None
    error: str | None = None


@dataclass
class ClassLoad:
    gateway: str
    tokens: list[str]
    course_id: str
    questions: list[str]
    timeout_s: float = 60.0
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> ClassLoad:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=self.timeout_s + 10)
        assert not self._thread.is_alive(), "a student is still waiting for an answer"

    def between(self, start: float, end: float, route: str = "chat") -> list[Answer]:
        return [a for a in self.answers if a.route == route and start <= a.started <= end]

    async def _run(self) -> None:
        timeout = httpx.Timeout(self.timeout_s, connect=5.0)
        clients = [
            httpx.AsyncClient(
                base_url=self.gateway, timeout=timeout, headers={"authorization": f"Bearer {t}"}
            )
            for t in self.tokens
        ]
        try:
            await asyncio.gather(*(self._student(n, c) for n, c in enumerate(clients)))
        finally:
            for client in clients:
                await client.aclose()

    async def _student(self, n: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(n)
        for _ in range(REQUESTS_PER_USER):
            if self._stop.is_set():
                return
            question = rng.choice(self.questions)
            if rng.random() < 0.6:
                body = {
                    "course_id": self.course_id,
                    "messages": [{"role": "user", "content": question}],
                    "max_tokens": MAX_TOKENS,
                }
                await self._ask(client, "chat", "POST", "/chat", json=body)
            else:
                path = f"/courses/{self.course_id}/search"
                await self._ask(client, "search", "GET", path, params={"q": question})
            await asyncio.sleep(rng.uniform(*THINK_S))

    async def _ask(
        self, client: httpx.AsyncClient, route: str, method: str, path: str, **kw: Any
    ) -> None:
        started = time.monotonic()
        try:
            response = await client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            elapsed = time.monotonic() - started
            self.answers.append(Answer(route, 0, started, elapsed, error=type(exc).__name__))
            return
        degraded = None
        if route == "chat" and response.status_code == 200:
            degraded = bool(response.json().get("degraded"))
        elapsed = time.monotonic() - started
        self.answers.append(Answer(route, response.status_code, started, elapsed, degraded))
