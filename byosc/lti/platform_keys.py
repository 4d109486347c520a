"""Platforms' public keys, fetched from their JWKS URLs with a timeout and cached.

A token naming a key ID not in the cached set makes one refetch (at most every
`refetch_s` per URL, so forged key IDs cannot make the tool hammer a platform): a platform
that rotated its key is picked up without a restart. PyJWT's PyJWKClient fetches and parses;
the refetch rule is ours, the same across PyJWT releases."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
from jwt import PyJWKClient


class KeysUnavailable(Exception):
    """The platform's JWKS could not be fetched or read."""


class UnknownKey(Exception):
    """The platform's JWKS, freshly fetched, has no key with the token's key ID."""


class PlatformKeys:
    def __init__(
        self,
        timeout_s: float,
        cache_s: float,
        refetch_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self.refetch_s = refetch_s
        self.clock = clock
        self._clients: dict[str, PyJWKClient] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._fetched_at: dict[str, float] = {}
        self._guard = threading.Lock()

    def key(self, jwks_url: str, kid: str) -> Any:
        """The public key `kid` of the platform at jwks_url (blocking: call from a thread)."""
        client, lock = self._client(jwks_url)
        with lock:  # one fetch per platform at a time; other platforms are not held up
            found = _match(self._keys(client, jwks_url, refresh=False), kid)
            if found is None and self.clock() - self._fetched_at[jwks_url] >= self.refetch_s:
                found = _match(self._keys(client, jwks_url, refresh=True), kid)
        if found is None:
            raise UnknownKey(f"no key {kid!r} in the JWKS at {jwks_url}")
        return found

    def forget(self, jwks_url: str) -> None:
        """Drops the cached set (the platform's registration changed)."""
        with self._guard:
            self._clients.pop(jwks_url, None)
            self._fetched_at.pop(jwks_url, None)

    def _client(self, jwks_url: str) -> tuple[PyJWKClient, threading.Lock]:
        with self._guard:
            if jwks_url not in self._clients:
                self._clients[jwks_url] = PyJWKClient(
                    jwks_url, lifespan=self.cache_s, timeout=self.timeout_s
                )
                self._locks.setdefault(jwks_url, threading.Lock())
                self._fetched_at[jwks_url] = float("-inf")
            return self._clients[jwks_url], self._locks[jwks_url]

    def _keys(self, client: PyJWKClient, jwks_url: str, refresh: bool) -> jwt.PyJWKSet:
        cached = None if refresh or client.jwk_set_cache is None else client.jwk_set_cache.get()
        if cached is not None:
            return cached if isinstance(cached, jwt.PyJWKSet) else jwt.PyJWKSet.from_dict(cached)
        try:
            keys = client.get_jwk_set(refresh=True)
        except jwt.PyJWKClientConnectionError as exc:
            raise KeysUnavailable(f"{jwks_url} did not answer: {exc}") from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, ValueError) as exc:
            raise KeysUnavailable(f"{jwks_url} gave no usable key set: {exc}") from exc
        self._fetched_at[jwks_url] = self.clock()
        return keys


def _match(keys: jwt.PyJWKSet, kid: str) -> Any:
    for key in keys.keys:
        if key.key_id == kid and key.public_key_use in ("sig", None):
            return key.key
    return None
