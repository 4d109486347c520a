"""LlmGenerator: a model writes the questions a student would ask about each chunk.

A reply that is not the asked JSON is repaired (code fences, text around the object), else
asked again a bounded number of times; what still fails, and API errors left after retrying
transient ones with backoff, come back as rejections of the chunk."""

from __future__ import annotations

import contextvars
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import openai
from pydantic import BaseModel, ConfigDict, ValidationError

from byosc.domain import Chunk
from byosc.instructions.models import Candidate, Generated, Rejection
from byosc.instructions.settings import InstructionSettings
from byosc.request_ids import request_id_headers

if TYPE_CHECKING:
    from byosc.settings import Settings

TRANSIENT_ERRORS = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
SYSTEM_PROMPT = (
    "You write study questions for a course. Given one passage of course material, write "
    "up to {n} questions a student would ask about it, each with an answer taken from the "
    "passage, in the passage's own words. Reply with JSON only, exactly in this form: "
    '{{"pairs": [{{"question": "...", "answer": "..."}}]}}'
)
RETRY_PROMPT = 'That was not valid JSON of the form {"pairs": [{"question": ..., "answer": ...}]}.'
_FENCE = re.compile(r"^```[\w-]*\s*|\s*```$")


class PairReply(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    question: str
    answer: str


class PairsReply(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    pairs: list[PairReply]


_SCHEMA = PairsReply.model_json_schema()


def parse_reply(text: str) -> PairsReply:
    """The reply as JSON pairs, after stripping code fences and text around the outermost
    object; raises ValueError when there is none."""
    try:
        return PairsReply.model_validate_json(text)
    except ValidationError:
        pass
    stripped = _FENCE.sub("", text.strip())
    start, end = stripped.find("{"), stripped.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the reply")
    try:
        return PairsReply.model_validate_json(stripped[start : end + 1])
    except ValidationError as error:
        raise ValueError(f"not the asked JSON: {error.errors()[0]['msg']}") from error


class RateLimiter:
    """Spaces request starts evenly: at most `per_minute` a minute across all threads."""

    def __init__(self, per_minute: float | None, clock: Callable[[], float] = time.monotonic):
        self._interval = 60.0 / per_minute if per_minute else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None]) -> None:
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            sleep(start - now)


class LlmGenerator:
    name = "llm"

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        settings: InstructionSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._model = model
        self._settings = settings
        self._sleep = sleep
        self._limiter = RateLimiter(settings.requests_per_minute)

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmGenerator:
        """Over settings.instructions' endpoint, else the chat LLM's (settings.llm)."""
        own, llm = settings.instructions, settings.llm
        client = openai.OpenAI(
            base_url=own.llm_base_url or llm.base_url,
            api_key=own.api_key or llm.api_key,
            timeout=llm.timeout_s,
            max_retries=0,  # the generator retries itself, within its own bounds
        )
        return cls(client, own.llm_model or llm.model, own)

    def generate(self, chunks: Sequence[Chunk]) -> Generated:
        # Each chunk's calls run in the context of this call (the job's request ID): a pool
        # thread does not inherit it by itself.
        context = contextvars.copy_context()
        with ThreadPoolExecutor(max_workers=self._settings.concurrency) as pool:
            results = list(pool.map(lambda c: context.copy().run(self._for_chunk, c), chunks))
        return Generated(
            candidates=[c for candidates, _ in results for c in candidates],
            rejections=[r for _, rejections in results for r in rejections],
        )

    def _for_chunk(self, chunk: Chunk) -> tuple[list[Candidate], list[Rejection]]:
        limit = self._settings.max_pairs_per_chunk
        messages: list[dict[str, str]] = [
            {"role": "system", "content": SYSTEM_PROMPT.format(n=limit)},
            {"role": "user", "content": f"Passage:\n{chunk.text}"},
        ]
        problem = ""
        for _ in range(self._settings.max_retries + 1):
            try:
                text = self._ask(messages)
            except openai.OpenAIError as error:
                return [], [_rejection(chunk, "api_error", f"{type(error).__name__}: {error}")]
            try:
                reply = parse_reply(text)
            except ValueError as error:
                problem = f"{error}; reply began: {text[:200]!r}"
                messages += [
                    {"role": "assistant", "content": text},
                    {"role": "user", "content": RETRY_PROMPT},
                ]
                continue
            candidates = [
                Candidate(**p.model_dump(), chunk=chunk, generator="llm", model=self._model)
                for p in reply.pairs[:limit]
            ]
            extra = [
                _rejection(chunk, "too_many_pairs", f"over {limit}", **p.model_dump())
                for p in reply.pairs[limit:]
            ]
            return candidates, extra
        return [], [_rejection(chunk, "malformed_output", problem)]

    def _ask(self, messages: list[dict[str, str]]) -> str:
        """One completion, retrying transient errors with exponential backoff."""
        settings = self._settings
        for attempt in range(settings.max_retries + 1):
            self._limiter.wait(self._sleep)
            try:
                reply = self._client.chat.completions.create(
                    **self._request(messages), extra_headers=request_id_headers()
                )
                return reply.choices[0].message.content or ""
            except TRANSIENT_ERRORS:
                if attempt == settings.max_retries:
                    raise
                self._sleep(min(settings.backoff_s * 2**attempt, settings.max_backoff_s))
        raise AssertionError("unreachable")

    def _request(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self._model,
            "messages": list(messages),
            "max_tokens": self._settings.max_tokens,
            "temperature": self._settings.temperature,
        }
        if self._settings.json_schema:
            # extra="forbid" closes every object and no field has a default, as strict
            # mode requires.
            schema = {"name": "instruction_pairs", "strict": True, "schema": _SCHEMA}
            request["response_format"] = {"type": "json_schema", "json_schema": schema}
        return request


def _rejection(
    chunk: Chunk, reason: str, detail: str, question: str = "", answer: str = ""
) -> Rejection:
    return Rejection(
        reason=reason,
        detail=detail,
        question=question,
        answer=answer,
        document_id=chunk.document_id,
        chunk_id=chunk.id,
        generator="llm",
    )
