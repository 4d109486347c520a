"""The gateway's grade sender: a background task (started in the lifespan) that posts the
score outbox's pending rows to their platforms' grade services. A transient failure waits
`score_backoff_s`, doubled each time, up to `score_attempts` tries; a refusal fails at once.
Scores are claimed with a lease, so replicas share the outbox without posting twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from byosc.lti.ags import AgsClient, GradeError
from byosc.lti.score_outbox import OutboxEntry
from services.gateway.lti_state import LtiTool, lti_tool

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 3600.0


def backoff_s(tool: LtiTool, attempts: int) -> float:
    return float(min(tool.settings.score_backoff_s * 2 ** (attempts - 1), MAX_BACKOFF_S))


async def send_one(tool: LtiTool, client: AgsClient, entry: OutboxEntry) -> None:
    attempts = entry.attempts + 1
    line_item = entry.line_item_url
    try:
        try:
            platform = await run_in_threadpool(tool.platforms.get, entry.platform_id)
            if platform is None:
                raise GradeError("the platform's registration was removed", transient=False)
            key = await run_in_threadpool(tool.keyring.signing_key)
            token = await client.access_token(platform, key)
            line_item = await client.line_item(entry, token)
            await client.post_score(entry, line_item, token)
        except GradeError:
            raise
        except Exception as exc:  # unforeseen: tried again, and ends failed, never stuck
            log.exception("lti score %s: unexpected error", entry.quiz_id)
            raise GradeError(f"unexpected error: {type(exc).__name__}", transient=True) from exc
    except GradeError as error:
        client.forget(entry.platform_id)
        if error.transient and attempts < tool.settings.score_attempts:
            delay = backoff_s(tool, attempts)
            log.info(
                "lti score %s: %s; try %d in %.0f s", entry.quiz_id, error, attempts + 1, delay
            )
            await run_in_threadpool(
                tool.scores.retry, entry.quiz_id, error.reason, attempts, delay, line_item
            )
        else:
            log.warning("lti score %s failed after %d tries: %s", entry.quiz_id, attempts, error)
            await run_in_threadpool(tool.scores.failed, entry.quiz_id, error.reason, attempts)
        return
    await run_in_threadpool(tool.scores.sent, entry.quiz_id, line_item, attempts)
    log.info("lti score %s sent to %s", entry.quiz_id, line_item)


async def send_due(tool: LtiTool, client: AgsClient) -> int:
    # The lease outlasts one round of calls, each bounded by the timeout.
    lease_s = tool.settings.score_timeout_s * 4 + 30
    due = await run_in_threadpool(tool.scores.claim_due, lease_s)
    await asyncio.gather(*(send_one(tool, client, entry) for entry in due))
    return len(due)


async def _run(app: FastAPI) -> None:
    tool = lti_tool(app)
    timeout = httpx.Timeout(tool.settings.score_timeout_s)
    async with httpx.AsyncClient(timeout=timeout) as http:
        client = AgsClient(http)
        while True:
            try:
                await send_due(tool, client)
            except Exception:  # a database hiccup must not end the sender
                log.exception("lti score sender: a round failed")
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(tool.score_wakeup.wait(), tool.settings.score_poll_s)
            tool.score_wakeup.clear()


@asynccontextmanager
async def score_sender(app: FastAPI) -> AsyncIterator[None]:
    task = asyncio.create_task(_run(app), name="lti-score-sender")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
