"""Fixtures for the model server tests: one real server process and two tiny adapters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from byosc.models import bundled_models
from byosc.settings import Settings
from tests.support.lora import make_lora_adapter
from tests.support.modelserver import running_modelserver


@pytest.fixture(scope="module")
def llm_dir(byosc_home: Path) -> Path:
    return bundled_models(Settings(home=byosc_home)).llm_dir


@pytest.fixture(scope="module")
def modelserver_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_modelserver(tmp_path_factory.mktemp("modelserver")) as url:
        yield url


@pytest.fixture(scope="module")
def client(modelserver_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=modelserver_url, api_key="EMPTY", max_retries=0) as api:
        yield api


@pytest.fixture(scope="module")
def http(modelserver_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=modelserver_url.removesuffix("/v1"), timeout=60.0) as api:
        yield api


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory, llm_dir: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    return {
        name: make_lora_adapter(llm_dir, root / name, seed)
        for name, seed in (("course-a", 1), ("course-b", 2))
    }
