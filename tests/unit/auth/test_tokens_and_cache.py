"""Token format and the gateway's short-lived key cache."""

from __future__ import annotations

from byosc.auth import tokens
from byosc.auth.cache import CachedKeys
from byosc.auth.models import ApiKey, IssuedKey, KeyRequest
from byosc.domain import utcnow


def test_a_token_splits_back_into_its_key_id_and_secret_even_with_underscores() -> None:
    secret = "ab_c-d_" + tokens.new_secret()
    assert tokens.split(tokens.token("0a1b2c", secret)) == ("0a1b2c", secret)


def test_malformed_tokens_do_not_split() -> None:
    for value in ("", "byosc_", "byosc_abc", "byosc__secret", "other_abc_secret", "abc"):
        assert tokens.split(value) is None, value


def test_only_the_secret_matches_its_digest() -> None:
    secret = tokens.new_secret()
    stored = tokens.digest(secret)
    assert secret not in stored and tokens.matches(secret, stored)
    assert not tokens.matches(secret + "x", stored)


def test_key_requests_keep_each_course_once_and_in_order() -> None:
    request = KeyRequest(name="lms", role="client", courses=["ee101", "cs140", "ee101"])
    assert request.courses == ["cs140", "ee101"]


class CountingStore:
    """Answers from a dict and counts the lookups the cache lets through."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}
        self.lookups = 0

    def authenticate(self, token: str) -> ApiKey | None:
        self.lookups += 1
        key = self.keys.get(token)
        return key if key is not None and key.active else None

    def create(self, request: KeyRequest) -> IssuedKey:
        raise NotImplementedError

    def list(self) -> list[ApiKey]:
        return list(self.keys.values())

    def revoke(self, key_id: str) -> ApiKey:
        raise NotImplementedError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _revoke(store: CountingStore, token: str) -> None:
    store.keys[token] = store.keys[token].model_copy(update={"revoked_at": utcnow()})


def test_a_revoked_key_is_refused_once_its_cached_lookup_expires() -> None:
    store, clock = CountingStore(), Clock()
    store.keys["t1"] = ApiKey(id="k1", name="lms", role="client")
    cached = CachedKeys(store, ttl_s=5.0, clock=clock)
    assert cached.authenticate("t1") is not None
    assert cached.authenticate("t1") is not None
    assert store.lookups == 1
    _revoke(store, "t1")
    clock.now += 4.9
    assert cached.authenticate("t1") is not None  # still within the cache's few seconds
    clock.now += 0.2
    assert cached.authenticate("t1") is None
    assert store.lookups == 2


def test_a_forgotten_key_is_looked_up_again_at_once() -> None:
    store, clock = CountingStore(), Clock()
    store.keys["t1"] = ApiKey(id="k1", name="lms", role="client")
    cached = CachedKeys(store, ttl_s=60.0, clock=clock)
    assert cached.authenticate("t1") is not None
    _revoke(store, "t1")
    cached.forget("k1")
    assert cached.authenticate("t1") is None


def test_a_zero_ttl_looks_up_every_time_and_unknown_tokens_are_never_cached() -> None:
    store, clock = CountingStore(), Clock()
    store.keys["t1"] = ApiKey(id="k1", name="lms", role="client")
    uncached = CachedKeys(store, ttl_s=0.0, clock=clock)
    uncached.authenticate("t1")
    uncached.authenticate("t1")
    assert store.lookups == 2
    cached = CachedKeys(store, ttl_s=60.0, clock=clock)
    for _ in range(3):
        assert cached.authenticate("unknown") is None
    assert store.lookups == 5


def test_only_a_fresh_lookup_is_remembered_and_remembering_never_asks_the_store() -> None:
    store, clock = CountingStore(), Clock()
    store.keys["t1"] = ApiKey(id="k1", name="lms", role="client")
    cached = CachedKeys(store, ttl_s=5.0, clock=clock)
    assert cached.remembered("t1") is None  # never looked up yet
    assert cached.authenticate("t1") is not None
    remembered = cached.remembered("t1")
    assert remembered is not None and remembered.id == "k1"
    clock.now += 5.1
    assert cached.remembered("t1") is None  # stale: the caller must ask the store again
    assert store.lookups == 1
    assert CachedKeys(store, ttl_s=0.0, clock=clock).remembered("t1") is None
