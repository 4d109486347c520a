"""The model server's first generation, made at start: it pays the one-time costs of the
first forward pass before a user's chat would, and until it has answered the server is not
ready (/readyz 503, and /v1 answers 503 as vLLM, still starting, would not answer at all)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from byosc.llm.engine import LocalEngine

log = logging.getLogger(__name__)

GREETING = [{"role": "user", "content": "Say hello."}]
WARM_UP_TOKENS = 4
WARMING_UP = "warming up"


@dataclass
class Readiness:
    """The engine's state for /readyz: "warming up", "ok", or why the warm-up failed."""

    engine: str = WARMING_UP

    @property
    def ready(self) -> bool:
        return self.engine == "ok"


async def warm_up(engine: LocalEngine, readiness: Readiness) -> None:
    started = time.perf_counter()
    try:
        await run_in_threadpool(engine.generate, GREETING, max_tokens=WARM_UP_TOKENS)
    except Exception as exc:  # reported by /readyz, which stays 503
        log.exception("the warm-up generation failed")
        readiness.engine = f"warm-up failed: {type(exc).__name__}: {exc}"[:300]
        return
    readiness.engine = "ok"
    log.info("warmed up in %.1fs", time.perf_counter() - started)
