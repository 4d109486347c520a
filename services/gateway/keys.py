"""Admin endpoints for API keys. A new key's token is in the creation response only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from byosc.auth.cache import CachedKeys
from byosc.auth.models import ApiKey, IssuedKey, KeyRequest
from byosc.auth.store import KeyStore
from services.common.state import from_state
from services.gateway.auth import require
from services.gateway.limits import rate_limit

# The guard first: the rate limit counts per key, so it must know the caller.
router = APIRouter(
    tags=["keys"], dependencies=[Depends(require("admin")), Depends(rate_limit("admin"))]
)

KeyStoreDep = Annotated[KeyStore, Depends(from_state("key_store"))]
CachedKeysDep = Annotated[CachedKeys, Depends(from_state("keys"))]


@router.post("/keys", status_code=201, summary="Create an API key (admin)")
def create_key(body: KeyRequest, store: KeyStoreDep) -> IssuedKey:
    """The response holds the key's token; store it now, it cannot be shown again."""
    return store.create(body)


@router.get("/keys", summary="List API keys (admin)")
def list_keys(store: KeyStoreDep) -> list[ApiKey]:
    return store.list()


@router.delete("/keys/{key_id}", summary="Revoke an API key (admin)")
def revoke_key(key_id: str, store: KeyStoreDep, keys: CachedKeysDep) -> ApiKey:
    """Refused at once by this gateway; other gateway replicas refuse it within auth.cache_s."""
    key = store.revoke(key_id)
    keys.forget(key_id)
    return key
