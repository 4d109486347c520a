"""Shared fixtures. Tests use the real bundled models, prepared by `byosc models fetch`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# No test may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from byosc.settings import Settings


@pytest.fixture(scope="session")
def byosc_home() -> Path:
    """The model cache `byosc models fetch` prepared (BYOSC_HOME, default ~/.cache/byosc)."""
    return Path(os.environ.get("BYOSC_HOME", "~/.cache/byosc")).expanduser()


@pytest.fixture
def settings(tmp_path: Path, byosc_home: Path) -> Settings:
    """Embedded-profile settings with real models and a fresh data directory per test."""
    return Settings(home=byosc_home, data_dir=tmp_path / "data")
