"""SqlKeyStore: API keys in the metadata DB (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from byosc.auth import tokens
from byosc.auth.models import ApiKey, IssuedKey, KeyRequest
from byosc.catalog.sql import UtcDateTime
from byosc.domain import utcnow
from byosc.errors import NotFound

metadata = sa.MetaData()

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("courses", sa.JSON, nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)


class KeyStore(Protocol):
    def create(self, request: KeyRequest) -> IssuedKey: ...

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key the token belongs to; None if it is malformed, unknown, wrong or
        revoked."""
        ...

    def list(self) -> builtins.list[ApiKey]: ...

    def revoke(self, key_id: str) -> ApiKey: ...


class SqlKeyStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def create(self, request: KeyRequest) -> IssuedKey:
        key = ApiKey(id=tokens.new_key_id(), **request.model_dump())
        secret = tokens.new_secret()
        row = {**key.model_dump(), "secret_sha256": tokens.digest(secret)}
        with self.engine.begin() as conn:
            conn.execute(api_keys.insert().values(**row))
        return IssuedKey(key=key, token=tokens.token(key.id, secret))

    def authenticate(self, token: str) -> ApiKey | None:
        parts = tokens.split(token)
        if parts is None:
            return None
        key_id, secret = parts
        with self.engine.connect() as conn:
            row = conn.execute(api_keys.select().where(api_keys.c.id == key_id)).first()
        if row is None or not tokens.matches(secret, row.secret_sha256):
            return None
        key = _key(row)
        return key if key.active else None

    def list(self) -> builtins.list[ApiKey]:
        query = api_keys.select().order_by(api_keys.c.created_at, api_keys.c.id)
        with self.engine.connect() as conn:
            return [_key(row) for row in conn.execute(query)]

    def revoke(self, key_id: str, at: datetime | None = None) -> ApiKey:
        """Revokes the key; revoking a revoked key keeps its first revocation time."""
        with self.engine.begin() as conn:
            conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=at or utcnow())
            )
            row = conn.execute(api_keys.select().where(api_keys.c.id == key_id)).first()
        if row is None:
            raise NotFound(f"key {key_id} does not exist")
        return _key(row)


def first_admin_key(store: KeyStore) -> IssuedKey | None:
    """A key named "admin" when no active admin key exists yet, so a new installation can be
    administered; None when there is one (its token was shown when it was made)."""
    if any(key.role == "admin" and key.active for key in store.list()):
        return None
    return store.create(KeyRequest(name="admin", role="admin"))


def _key(row: sa.Row[Any]) -> ApiKey:
    data = row._asdict()
    data.pop("secret_sha256")
    return ApiKey.model_validate(data)
