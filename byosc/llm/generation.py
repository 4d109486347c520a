"""What one generation returns, and the stream that yields it piece by piece."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from threading import Event
from typing import Literal, TypedDict

from byosc.domain import Usage

DEFAULT_MAX_TOKENS = 512
FinishReason = Literal["stop", "length"]


class Controls(TypedDict, total=False):
    """What a request may ask of a generation besides its sampling: OpenAI's `stop` (the
    text ends before the first of them), vLLM's `repetition_penalty` (above 1 discourages
    tokens already in the prompt or the text) and transformers' `no_repeat_ngram_size` (no
    run of that many tokens twice; 0: off)."""

    stop: Sequence[str]
    repetition_penalty: float
    no_repeat_ngram_size: int


def repetition_controls(penalty: float, no_repeat_ngram_size: int) -> Controls:
    """The repetition controls that do something, alone: a server may not know the others
    (vLLM has no `no_repeat_ngram_size`)."""
    controls = Controls()
    if penalty != 1.0:
        controls["repetition_penalty"] = penalty
    if no_repeat_ngram_size > 0:
        controls["no_repeat_ngram_size"] = no_repeat_ngram_size
    return controls


@dataclass(frozen=True)
class Generation:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason
    token_ids: tuple[int, ...] = field(default=(), repr=False)  # the new tokens, for checks

    @property
    def usage(self) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            total_tokens=self.prompt_tokens + self.completion_tokens,
        )


class GenerationStream(Iterator[str]):
    """Text pieces as the engine generates them; `result` once exhausted.

    `close()` asks the generator to stop at the next token (a client went away).
    """

    def __init__(self, pieces: Iterator[str], done: Future[Generation], cancel: Event) -> None:
        self._pieces = pieces
        self._done = done
        self._cancel = cancel
        self._result: Generation | None = None

    def __iter__(self) -> GenerationStream:
        return self

    def __next__(self) -> str:
        while True:
            try:
                piece = next(self._pieces)
            except StopIteration:
                self._result = self._done.result()  # raises what the generation raised
                raise
            if piece:
                return piece

    @property
    def result(self) -> Generation:
        if self._result is None:
            raise RuntimeError("the stream has not finished yet")
        return self._result

    def close(self) -> None:
        self._cancel.set()
