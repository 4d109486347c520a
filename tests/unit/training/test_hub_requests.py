"""Requests to the hub while publishing: let through despite offline mode, in the publishing
thread only, and bounded in time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx2
import pytest
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import OfflineModeIsEnabled

from byosc.training.publishing.hub_requests import hub_requests


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # as every process here runs


@pytest.fixture
def silent_hub() -> Iterator[str]:
    """A port that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def _create(endpoint: str) -> None:
    HfApi(endpoint=endpoint, token="hf_x").create_repo("org/course", exist_ok=True)


def test_offline_mode_still_refuses_requests_after_a_publication(silent_hub: str) -> None:
    with hub_requests(timeout_s=0.5):
        pass  # the client that lets publications through is in place from now on
    with pytest.raises(OfflineModeIsEnabled):
        _create(silent_hub)


def test_a_publication_reaches_the_hub_and_gives_up_after_its_timeout(silent_hub: str) -> None:
    started = time.monotonic()
    with hub_requests(timeout_s=0.5), pytest.raises(httpx2.ReadTimeout):
        _create(silent_hub)
    assert 0.4 < time.monotonic() - started < 5


def test_other_threads_stay_offline_while_one_publishes(silent_hub: str) -> None:
    refused: list[BaseException] = []

    def other_thread() -> None:
        try:
            _create(silent_hub)
        except BaseException as exc:  # the test reads what it was
            refused.append(exc)

    with hub_requests(timeout_s=0.5):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(timeout=10)
    assert len(refused) == 1 and isinstance(refused[0], OfflineModeIsEnabled)
