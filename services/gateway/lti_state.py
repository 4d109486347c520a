"""The LTI tool as one gateway holds it: its stores on the metadata DB, the keyrings and the
frame-ancestor origins, built on first use from the app's database and settings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from byosc.lti.contexts import SqlContextLinks
from byosc.lti.models import LtiClaim
from byosc.lti.platform_keys import PlatformKeys
from byosc.lti.platforms import SqlPlatformStore
from byosc.lti.score_outbox import SqlScoreOutbox
from byosc.lti.sessions import SessionVerifier, issue_session
from byosc.lti.settings import LtiSettings
from byosc.lti.states import SqlLaunchStates
from byosc.lti.tool_keys import SqlToolKeys, ToolKeyring


class FrameAncestors:
    """The origins of the registered platforms, which may show the web app in a frame. Read
    again `ttl_s` after the last read (a registration made by the CLI or another replica),
    and at once after this gateway changed the registrations."""

    def __init__(
        self,
        platforms: SqlPlatformStore,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.platforms = platforms
        self.ttl_s = ttl_s
        self.clock = clock
        self._origins: list[str] = []
        self._read_at = float("-inf")

    def cached(self) -> list[str] | None:
        return self._origins if self.clock() - self._read_at < self.ttl_s else None

    def load(self) -> list[str]:
        origins = [o for p in self.platforms.list() for o in p.frame_origins()]
        self._origins, self._read_at = list(dict.fromkeys(origins)), self.clock()
        return self._origins

    def invalidate(self) -> None:
        self._read_at = float("-inf")


@dataclass
class LtiTool:
    settings: LtiSettings
    platforms: SqlPlatformStore
    contexts: SqlContextLinks
    states: SqlLaunchStates
    keyring: ToolKeyring
    platform_keys: PlatformKeys
    sessions: SessionVerifier
    frame_ancestors: FrameAncestors
    scores: SqlScoreOutbox
    # Set when a score is recorded: the sender posts it now rather than at its next poll.
    score_wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def public_url(self, request: Request) -> str:
        return self.settings.public_url or str(request.base_url).rstrip("/")

    def issue_session(
        self, sub: str, name: str | None, role: str, courses: list[str], lti: LtiClaim
    ) -> str:
        """A session token signed with the current key (blocking on a key not loaded yet)."""
        return issue_session(
            self.keyring.signing_key(),
            sub=sub,
            name=name,
            role=role,
            courses=courses,
            lti=lti,
            ttl_s=self.settings.session_ttl_s,
        )


def lti_tool(app: FastAPI) -> LtiTool:
    tool: LtiTool | None = getattr(app.state, "lti", None)
    if tool is None:
        settings: LtiSettings = app.state.settings.gateway.lti
        engine = app.state.db
        platforms = SqlPlatformStore(engine)
        # Retired keys stay published as long as a session token they signed may live.
        keyring = ToolKeyring(SqlToolKeys(engine), settings.session_ttl_s + settings.leeway_s)
        tool = app.state.lti = LtiTool(
            settings=settings,
            platforms=platforms,
            contexts=SqlContextLinks(engine),
            states=SqlLaunchStates(engine),
            keyring=keyring,
            platform_keys=PlatformKeys(
                settings.jwks_timeout_s, settings.jwks_cache_s, settings.jwks_refetch_s
            ),
            sessions=SessionVerifier(keyring, settings.leeway_s),
            frame_ancestors=FrameAncestors(platforms),
            scores=SqlScoreOutbox(engine),
        )
    return tool


async def frame_origins(app: FastAPI) -> list[str]:
    """The origins allowed to frame the tool's pages; none before the database is open."""
    if getattr(app.state, "db", None) is None:
        return []
    ancestors = lti_tool(app).frame_ancestors
    cached = ancestors.cached()
    return cached if cached is not None else await run_in_threadpool(ancestors.load)
