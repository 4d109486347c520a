"""Admin endpoints for API keys. A new key's token is in the creation response only."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError

from byosc.auth.cache import CachedKeys
from byosc.auth.key_courses import missing_courses, missing_message
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
DatabaseDep = Annotated[sa.Engine, Depends(from_state("db"))]


@router.post("/keys", status_code=201, summary="Create an API key (admin)")
def create_key(body: KeyRequest, store: KeyStoreDep, db: DatabaseDep) -> IssuedKey:
    """The response holds the key's token; store it now, it cannot be shown again. Every
    course of the scope must exist (422 otherwise)."""
    if missing := missing_courses(db, body.courses):
        raise RequestValidationError(
            [
                {
                    "type": "course_missing",
                    "loc": ("body", "courses", body.courses.index(course_id)),
                    "msg": missing_message(course_id),
                    "input": course_id,
                }
                for course_id in missing
            ]
        )
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
