"""The real MiniLM embedder, once for the feedback tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.bootstrap import open_embedder
from byosc.ports import Embedder
from byosc.settings import Settings


@pytest.fixture(scope="package")
def embedder(byosc_home: Path) -> Embedder:
    return open_embedder(Settings(home=byosc_home))
