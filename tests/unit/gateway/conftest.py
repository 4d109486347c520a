"""The gateway app in-process, in front of a recording echo service instead of the real
ones: these tests are about what the gateway lets through, not what the services answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from byosc.auth.models import KeyRequest
from byosc.settings import Settings
from services.gateway.app import create_app


@dataclass
class EchoService:
    """Answers every request with the path and body size it received, and records them."""

    received: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        size = 0
        while True:
            message = await receive()
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        self.received.append((scope["path"], size))
        # Listing routes expect a JSON list, the others any JSON.
        answer: Any = [] if scope["path"] in ("/courses",) else {"bytes": size}
        body = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass
class Gateway:
    http: TestClient
    upstream: EchoService

    def key(self, role: str = "client", courses: tuple[str, ...] = ("c1",)) -> dict[str, str]:
        """Authorization headers for a new key of this role and scope."""
        store = self.http.app.state.key_store  # type: ignore[attr-defined]
        issued = store.create(KeyRequest(name="test", role=role, courses=list(courses)))  # type: ignore[arg-type]
        return {"authorization": f"Bearer {issued.token}"}


MakeGateway = Callable[..., Gateway]


@pytest.fixture
def make_gateway(tmp_path: Path) -> Iterator[MakeGateway]:
    """Starts a gateway with these settings (keyword arguments of Settings)."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> Gateway:
        settings = Settings(data_dir=tmp_path / f"gateway-{len(clients)}", **overrides)
        app = create_app(settings)
        http = TestClient(app)
        http.__enter__()
        clients.append(http)
        upstream = EchoService()
        app.state.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream))
        return Gateway(http, upstream)

    yield make
    for http in clients:
        http.__exit__(None, None, None)
