"""The API key store contract, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from byosc.auth.models import KeyRequest
from byosc.auth.store import SqlKeyStore, first_admin_key
from byosc.auth.tokens import split
from byosc.catalog.sql import open_engine
from byosc.errors import NotFound


@pytest.fixture
def store(database_url: str) -> Iterator[SqlKeyStore]:
    engine = open_engine(database_url)
    yield SqlKeyStore(engine)
    engine.dispose()


def test_a_created_key_authenticates_with_its_token_only(store: SqlKeyStore) -> None:
    issued = store.create(KeyRequest(name="lms", role="client", courses=["ee101", "cs140"]))
    key = store.authenticate(issued.token)
    assert key == issued.key and key.courses == ["cs140", "ee101"]
    key_id, secret = split(issued.token) or ("", "")
    assert key_id == issued.key.id and len(secret) >= 43  # 32 random bytes
    assert store.authenticate(f"byosc_{key_id}_{secret[:-1]}x") is None
    assert store.authenticate(f"byosc_000000000000_{secret}") is None
    assert store.authenticate("not a token") is None


def test_the_store_keeps_no_secret_and_lists_no_token(store: SqlKeyStore) -> None:
    issued = store.create(KeyRequest(name="lms", role="client", courses=["cs140"]))
    _, secret = split(issued.token) or ("", "")
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM api_keys").all()
    assert rows and all(secret not in str(value) for row in rows for value in row)
    assert [k.model_dump() for k in store.list()] == [issued.key.model_dump()]


def test_a_revoked_key_no_longer_authenticates_and_keeps_its_revocation_time(
    store: SqlKeyStore,
) -> None:
    issued = store.create(KeyRequest(name="lms", role="client"))
    revoked = store.revoke(issued.key.id)
    assert revoked.revoked_at is not None and not revoked.active
    assert store.authenticate(issued.token) is None
    assert store.revoke(issued.key.id).revoked_at == revoked.revoked_at
    assert store.list()[0].revoked_at == revoked.revoked_at
    with pytest.raises(NotFound):
        store.revoke("000000000000")


def test_a_first_admin_key_is_made_only_while_no_active_admin_exists(
    store: SqlKeyStore,
) -> None:
    store.create(KeyRequest(name="lms", role="client"))
    first = first_admin_key(store)
    assert first is not None and first.key.role == "admin" and first.key.name == "admin"
    assert first_admin_key(store) is None
    store.revoke(first.key.id)
    again = first_admin_key(store)
    assert again is not None and store.authenticate(again.token) is not None
