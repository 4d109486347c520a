"""Key lookups remembered for a few seconds, so a busy client does not cost a database
query per request. A revoked key keeps working at most `ttl_s` longer."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from byosc.auth.models import ApiKey
from byosc.auth.store import KeyStore

# Bounds memory whatever tokens arrive; past it the oldest entries go first.
MAX_ENTRIES = 10_000


class CachedKeys:
    def __init__(
        self, store: KeyStore, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: dict[str, tuple[float, ApiKey]] = {}

    def remembered(self, token: str) -> ApiKey | None:
        """The key if a lookup of this token is still fresh; never asks the store, so an
        async caller may use it without leaving the event loop."""
        entry = self._entries.get(_slot(token)) if self.ttl_s > 0 else None
        return entry[1] if entry is not None and entry[0] > self.clock() else None

    def authenticate(self, token: str) -> ApiKey | None:
        if self.ttl_s <= 0:
            return self.store.authenticate(token)
        slot = _slot(token)
        now = self.clock()
        entry = self._entries.get(slot)
        if entry is not None and entry[0] > now:
            return entry[1]
        key = self.store.authenticate(token)
        # Only keys that exist are remembered: random tokens would fill the cache for nothing.
        if key is None:
            self._entries.pop(slot, None)
            return None
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.pop(next(iter(self._entries)))
        self._entries[slot] = (now + self.ttl_s, key)
        return key

    def forget(self, key_id: str) -> None:
        """Drops what is remembered of a key (revoked here: no need to wait out the TTL)."""
        for slot, (_, key) in list(self._entries.items()):
            if key.id == key_id:
                self._entries.pop(slot, None)


def _slot(token: str) -> str:
    # Remembered by a hash of the token, so the cache holds no usable secrets.
    return hashlib.sha256(token.encode()).hexdigest()
