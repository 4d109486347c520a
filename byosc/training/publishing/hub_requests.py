"""Lets the thread that publishes reach the hub through huggingface_hub, with a time limit.

Every process here runs with HF_HUB_OFFLINE=1 (the Dockerfile, the Makefile, the tests) so
that no model is downloaded at run time, and huggingface_hub then refuses every request,
uploads included. Its client also waits for ever on a hub that does not answer. Inside
`hub_requests`, requests from the calling thread are let through with `timeout_s` on each;
every other request keeps the library's own rules, offline mode included.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_publishing = threading.local()
_installed = threading.Lock()
_factory_set = False


@contextmanager
def hub_requests(timeout_s: float) -> Iterator[None]:
    _install_client_factory()
    _publishing.timeout_s = timeout_s
    try:
        yield
    finally:
        _publishing.timeout_s = None


def _install_client_factory() -> None:
    global _factory_set
    from huggingface_hub import set_client_factory

    with _installed:
        if not _factory_set:
            set_client_factory(_client)
            _factory_set = True


def _client() -> Any:
    """The library's default client, with the request hook below instead of its own."""
    import httpx2

    return httpx2.Client(
        event_hooks={"request": [_on_request]}, follow_redirects=True, timeout=None
    )


def _on_request(request: Any) -> None:
    timeout_s = getattr(_publishing, "timeout_s", None)
    if timeout_s is None:
        from huggingface_hub.utils._http import hf_request_event_hook

        hf_request_event_hook(request)  # refuses when offline, as the library does
        return
    import httpx2

    request.extensions["timeout"] = httpx2.Timeout(timeout_s).as_dict()
