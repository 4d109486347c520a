"""SqlLaunchStates: the state and nonce of each login in flight, kept server-side.

The tool sets no cookie (browsers block third-party cookies inside an LMS's frame), so the
state is bound here to the registration whose login issued it. Each is single use: consuming
deletes the row in the statement that reads it, so of two launches racing with one state
only one gets it. The nonce is stored with its state and must match the id_token's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from byosc.domain import utcnow
from byosc.lti.tables import lti_launch_states


@dataclass(frozen=True)
class LaunchState:
    state: str
    nonce: str
    platform_id: str
    expires_at: datetime


class SqlLaunchStates:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def issue(self, platform_id: str, ttl_s: float) -> LaunchState:
        now = utcnow()
        issued = LaunchState(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            platform_id=platform_id,
            expires_at=now + timedelta(seconds=ttl_s),
        )
        with self.engine.begin() as conn:
            # Logins never completed leave rows behind; each new login sweeps the expired.
            conn.execute(lti_launch_states.delete().where(lti_launch_states.c.expires_at <= now))
            conn.execute(lti_launch_states.insert().values(**issued.__dict__))
        return issued

    def consume(self, state: str) -> LaunchState | None:
        """The login's state, removed for good; None if unknown, used or expired."""
        query = (
            lti_launch_states.delete()
            .where(lti_launch_states.c.state == state)
            .returning(*lti_launch_states.c)
        )
        with self.engine.begin() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        found = LaunchState(**row._asdict())
        return found if found.expires_at > utcnow() else None
