"""SqlPlatformStore: the LMS platforms registered with the tool, in the metadata DB."""

from __future__ import annotations

import builtins
import secrets
from typing import Any

import sqlalchemy as sa

from byosc.errors import AlreadyExists, ByoscError, NotFound
from byosc.lti.models import Platform, PlatformRequest
from byosc.lti.tables import lti_platforms


class AmbiguousIssuer(ByoscError):
    """Several registrations share an issuer and the login did not say which client it is."""


class SqlPlatformStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, request: PlatformRequest) -> Platform:
        platform = Platform(id=secrets.token_hex(6), **request.model_dump())
        try:
            with self.engine.begin() as conn:
                conn.execute(lti_platforms.insert().values(**platform.model_dump()))
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(
                f"a platform with issuer {request.issuer} and client ID {request.client_id} "
                "is registered already"
            ) from exc
        return platform

    def list(self) -> builtins.list[Platform]:
        query = lti_platforms.select().order_by(lti_platforms.c.created_at, lti_platforms.c.id)
        with self.engine.connect() as conn:
            return [_platform(row) for row in conn.execute(query)]

    def get(self, platform_id: str) -> Platform | None:
        query = lti_platforms.select().where(lti_platforms.c.id == platform_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _platform(row)

    def find(self, issuer: str, client_id: str | None) -> Platform | None:
        """The registration a login names. LTI makes client_id optional in the login
        initiation: without it the issuer must have one registration only."""
        query = lti_platforms.select().where(lti_platforms.c.issuer == issuer)
        if client_id is not None:
            query = query.where(lti_platforms.c.client_id == client_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(2)).all()
        if len(rows) > 1:
            raise AmbiguousIssuer(
                f"issuer {issuer} has several registrations and the login named no client_id"
            )
        return _platform(rows[0]) if rows else None

    def remove(self, platform_id: str) -> Platform:
        with self.engine.begin() as conn:
            row = conn.execute(
                lti_platforms.delete()
                .where(lti_platforms.c.id == platform_id)
                .returning(*lti_platforms.c)
            ).first()
        if row is None:
            raise NotFound(f"platform {platform_id} is not registered")
        return _platform(row)


def _platform(row: sa.Row[Any]) -> Platform:
    return Platform.model_validate(row._asdict())
