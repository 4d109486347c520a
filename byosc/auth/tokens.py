"""Key tokens: `byosc_<key id>_<secret>`. The ID finds the row, the secret proves possession.

The secret is 32 random bytes, so a fast hash is enough: nothing can be guessed that a slow
password hash would protect. Only its sha256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "byosc_"


def new_key_id() -> str:
    return secrets.token_hex(6)  # hex: no "_", so the token splits unambiguously


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def token(key_id: str, secret: str) -> str:
    return f"{PREFIX}{key_id}_{secret}"


def split(value: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token, None for anything else."""
    if not value.startswith(PREFIX):
        return None
    key_id, _, secret = value.removeprefix(PREFIX).partition("_")
    return (key_id, secret) if key_id and secret else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
