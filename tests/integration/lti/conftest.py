"""The gateway in-process with the LTI tool on, a Moodle-shaped and a Canvas-shaped platform
on loopback, both registered. The services behind the gateway are the recording echo of
the gateway's unit tests: these tests are about the launch, not about answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from byosc.auth.models import KeyRequest
from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from byosc.settings import Settings
from services.gateway.app import create_app
from tests.support.lti_platform import SimulatedPlatform
from tests.support.lti_shapes import CanvasShape, LmsCourse, MoodleShape
from tests.unit.gateway.conftest import EchoService

LAUNCH_URL = "http://testserver/lti/launch"
CS140 = LmsCourse(id="2", label="CS140", title="Operating Systems")


@pytest.fixture(scope="module")
def moodle() -> Iterator[SimulatedPlatform]:
    platform = SimulatedPlatform(MoodleShape(), "", "Xn3PqYt1fO7s9Bw", "1").start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def canvas() -> Iterator[SimulatedPlatform]:
    platform = SimulatedPlatform(
        CanvasShape(),
        "https://canvas.instructure.com",
        "10000000000042",
        "17:8865aa05b4b79b64a91a86042e43af5ea8ae79eb",
    ).start()
    yield platform
    platform.stop()


@dataclass
class Tool:
    http: TestClient
    upstream: EchoService
    admin: dict[str, str]

    def key(self, role: str, courses: list[str]) -> dict[str, str]:
        store = self.http.app.state.key_store  # type: ignore[attr-defined]
        issued = store.create(KeyRequest(name=role, role=role, courses=courses))  # type: ignore[arg-type]
        return {"authorization": f"Bearer {issued.token}"}

    def course(self, course_id: str) -> None:
        """A BYOSC course, made directly in the gateway's metadata DB."""
        engine = self.http.app.state.db  # type: ignore[attr-defined]
        SqlCatalog(engine).create_course(Course(id=course_id, name=course_id))


@pytest.fixture
def tool(tmp_path: Path, moodle: SimulatedPlatform, canvas: SimulatedPlatform) -> Iterator[Tool]:
    """The gateway with both platforms registered through the API."""
    # Grades: retries a few milliseconds apart, so a platform failing twice is seen through.
    grades = {"score_backoff_s": 0.05, "score_poll_s": 0.05, "score_attempts": 4}
    lti = {"jwks_refetch_s": 0, "jwks_timeout_s": 1.0, **grades}
    app = create_app(Settings(data_dir=tmp_path / "gateway", gateway={"lti": lti}))
    with TestClient(app) as http:
        upstream = EchoService()
        app.state.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream))
        admin = app.state.key_store.create(KeyRequest(name="admin", role="admin"))
        headers = {"authorization": f"Bearer {admin.token}"}
        for platform, name in ((moodle, "Moodle"), (canvas, "Canvas")):
            platform.tool_launch_url = LAUNCH_URL
            body = platform.registration(name)
            registered = http.post("/lti/platforms", json=body, headers=headers)
            assert registered.status_code == 201, registered.text
        yield Tool(http, upstream, headers)
