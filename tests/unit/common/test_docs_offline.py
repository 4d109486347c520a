"""Every service's /docs and /redoc work offline: the pages name only the service's own
URLs, and those answer with the assets."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from byosc.settings import Settings
from services.gateway.app import create_app as gateway_app
from services.inference.app import create_app as inference_app
from services.ingest.app import create_app as ingest_app
from services.modelserver.app import create_app as modelserver_app
from services.trainer.app import create_app as trainer_app

APPS = [gateway_app, ingest_app, inference_app, trainer_app, modelserver_app]
# src, href, Swagger UI's url: '...' and ReDoc's spec-url.
REFERENCE = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|\burl: '([^']*)'""")
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


def _references(page: str) -> list[str]:
    return [a or b for a, b in REFERENCE.findall(page)]


@pytest.fixture(params=APPS, ids=lambda make: make.__module__.split(".")[1])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> TestClient:
    create_app: Callable[[Settings], FastAPI] = request.param
    return TestClient(create_app(Settings(data_dir=tmp_path)))


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_reference_only_the_services_own_urls(
    service: TestClient, page: str
) -> None:
    answer = service.get(page)
    assert answer.status_code == 200
    assert "http" not in answer.text and "fonts.googleapis" not in answer.text
    references = _references(answer.text)
    assert any(r.endswith(".js") for r in references), references
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference


def test_the_assets_the_pages_reference_are_served_with_their_content_type(
    service: TestClient,
) -> None:
    references = {
        r
        for page in ("/docs", "/redoc")
        for r in _references(service.get(page).text)
        if r != "/openapi.json"  # the gateway's is assembled from the services behind it
    }
    assert {Path(r).suffix for r in references} == {".js", ".css", ".png"}
    for reference in references:
        asset = service.get(reference)
        assert asset.status_code == 200, reference
        content_type = asset.headers["content-type"].split(";")[0]
        assert content_type in CONTENT_TYPES[Path(reference).suffix], reference
        assert len(asset.content) > 1000, reference
