"""The tool's own RSA key pairs, in the metadata DB: the newest active one signs (session
tokens now; deep-linking responses and token requests to platforms later), and the JWKS
publishes it with the retired ones whose tokens may still be alive.

Private keys are kept as unencrypted PKCS#8 PEM: whoever reads the metadata DB could sign as
the tool, as they could already read every course and key hash there."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from byosc.domain import utcnow
from byosc.lti.tables import lti_tool_keys

ALGORITHM = "RS256"


@dataclass(frozen=True)
class ToolKey:
    kid: str
    private_pem: str = field(repr=False)
    created_at: datetime
    retired_at: datetime | None = None

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.public_key))
        return jwk | {"kid": self.kid, "alg": ALGORITHM, "use": "sig"}


def new_key() -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return ToolKey(kid=secrets.token_hex(8), private_pem=pem, created_at=utcnow())


class SqlToolKeys:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def current(self) -> ToolKey:
        """The signing key; the first call on a new database makes one."""
        with self.engine.connect() as conn:
            row = conn.execute(_active().limit(1)).first()
        if row is not None:
            return ToolKey(**row._asdict())
        key = new_key()
        with self.engine.begin() as conn:
            conn.execute(lti_tool_keys.insert().values(**_row(key)))
        return key

    def rotate(self, retention_s: float) -> ToolKey:
        """A new signing key; the old ones retire now and stay published `retention_s`.
        Keys retired longer ago than that are deleted."""
        key = new_key()
        now = key.created_at
        with self.engine.begin() as conn:
            conn.execute(
                lti_tool_keys.update()
                .where(lti_tool_keys.c.retired_at.is_(None))
                .values(retired_at=now)
            )
            conn.execute(
                lti_tool_keys.delete().where(
                    lti_tool_keys.c.retired_at < now - timedelta(seconds=retention_s)
                )
            )
            conn.execute(lti_tool_keys.insert().values(**_row(key)))
        return key

    def published(self, retention_s: float) -> list[ToolKey]:
        """Active keys (newest first), then those retired within `retention_s`."""
        since = utcnow() - timedelta(seconds=retention_s)
        query = (
            lti_tool_keys.select()
            .where(sa.or_(lti_tool_keys.c.retired_at.is_(None), lti_tool_keys.c.retired_at > since))
            .order_by(lti_tool_keys.c.retired_at.is_not(None), lti_tool_keys.c.created_at.desc())
        )
        with self.engine.connect() as conn:
            return [ToolKey(**row._asdict()) for row in conn.execute(query)]


def _active() -> sa.Select[Any]:
    return (
        lti_tool_keys.select()
        .where(lti_tool_keys.c.retired_at.is_(None))
        .order_by(lti_tool_keys.c.created_at.desc(), lti_tool_keys.c.kid)
    )


def _row(key: ToolKey) -> dict[str, Any]:
    return {
        "kid": key.kid,
        "private_pem": key.private_pem,
        "created_at": key.created_at,
        "retired_at": key.retired_at,
    }


class ToolKeyring:
    """The keys as one gateway uses them, read from the store at most every `refresh_s`
    seconds (a rotation by `byosc lti keys rotate` or another replica arrives within that),
    and at once, at most every `miss_s`, when a token names a key not seen yet."""

    def __init__(
        self,
        store: SqlToolKeys,
        retention_s: float,
        refresh_s: float = 60.0,
        miss_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.retention_s = retention_s
        self.refresh_s = refresh_s
        self.miss_s = miss_s
        self.clock = clock
        self._lock = threading.Lock()
        self._keys: list[ToolKey] = []
        self._loaded_at = float("-inf")

    def signing_key(self) -> ToolKey:
        return self._fresh()[0]

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [key.public_jwk() for key in self._fresh()]}

    def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        found = next((k for k in self._fresh() if k.kid == kid), None)
        if found is None and self.clock() - self._loaded_at >= self.miss_s:
            found = next((k for k in self._load() if k.kid == kid), None)
        return None if found is None else found.public_key

    def reload(self) -> None:
        self._load()

    def _fresh(self) -> list[ToolKey]:
        if self.clock() - self._loaded_at >= self.refresh_s or not self._keys:
            return self._load()
        return self._keys

    def _load(self) -> list[ToolKey]:
        with self._lock:
            keys = self.store.published(self.retention_s)
            if not any(k.retired_at is None for k in keys):
                keys = [self.store.current(), *keys]
            self._keys, self._loaded_at = keys, self.clock()
            return keys
