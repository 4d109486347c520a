"""Continuous batching for the local engine: sequences join a running batch between decode
steps and leave it the step they end, as in vLLM's scheduler, on a plain transformers model.

Each sequence reads its prompt alone (a batch of one, exactly as an unbatched generation
does), then its key/value cache is left-padded to the batch's length and stacked under the
others'. Every decode step runs all sequences in one forward pass, each with its own LoRA
adapter (peft's `adapter_names`), attention mask and positions, so a sequence's tokens are
the ones it would get alone. A finished or abandoned sequence's row is cut out at once, and
columns that are padding in every remaining row are cut too, so a long sequence that left
does not keep costing the others attention time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import (
    LogitsProcessorList,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TextIteratorStreamer,
    TopPLogitsWarper,
)

from byosc.llm.repetition import NoRepeatInAnswer
from byosc.llm.stops import cut_at_stop


@dataclass(frozen=True)
class Decoding:
    """How a sequence picks its next token: greedy at temperature 0, else sampled."""

    temperature: float = 0.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0

    def processors(self, prompt_tokens: int) -> LogitsProcessorList:
        """In generate()'s order: penalties first, then the sampling warpers."""
        steps = LogitsProcessorList()
        if self.repetition_penalty != 1.0:
            steps.append(RepetitionPenaltyLogitsProcessor(self.repetition_penalty))
        if self.no_repeat_ngram_size > 0:
            steps.append(NoRepeatInAnswer(self.no_repeat_ngram_size, prompt_tokens))
        if self.temperature > 0:
            steps.append(TemperatureLogitsWarper(self.temperature))
            if self.top_p < 1.0:
                steps.append(TopPLogitsWarper(self.top_p))
        return steps


@dataclass(eq=False)
class SequenceState:
    """One request's generation while it is in the engine."""

    model: str
    prompt: torch.Tensor  # [1, prompt_tokens]
    max_new_tokens: int
    decoding: Decoding
    stop: tuple[str, ...]
    cancel: threading.Event
    streamer: TextIteratorStreamer | None = None
    done: Future[list[int]] = field(default_factory=Future)
    tokens: list[int] = field(default_factory=list)
    cached: int = 0  # real tokens in the batch's cache for this sequence
    _processors: LogitsProcessorList | None = None

    @property
    def prompt_tokens(self) -> int:
        return int(self.prompt.shape[1])

    def pick(self, logits: torch.Tensor) -> int:
        """The next token from this sequence's last-position logits ([vocab])."""
        if self._processors is None:
            self._processors = self.decoding.processors(self.prompt_tokens)
        scores = logits.unsqueeze(0)
        if self._processors:
            so_far = torch.tensor([self.tokens], dtype=torch.long).reshape(1, -1)
            ids = torch.cat([self.prompt, so_far], dim=1)
            scores = self._processors(ids, scores.clone())  # type: ignore[arg-type]
        if self.decoding.temperature > 0:
            return int(torch.multinomial(torch.softmax(scores, dim=-1), 1)[0, 0])
        return int(scores.argmax(dim=-1)[0])

    def add(self, token: int) -> None:
        if self.streamer is not None:
            if not self.tokens:
                self.streamer.put(self.prompt)  # skipped by the streamer, as generate() does
            self.streamer.put(torch.tensor([token]))
        self.tokens.append(token)

    def ended(self, eos_ids: set[int], decode: Callable[[list[int]], str]) -> bool:
        if len(self.tokens) >= self.max_new_tokens or self.tokens[-1] in eos_ids:
            return True
        return bool(self.stop) and cut_at_stop(decode(self.tokens), self.stop)[1]

    def finish(self, error: BaseException | None = None) -> None:
        if self.streamer is not None:
            self.streamer.end()
        if error is None:
            self.done.set_result(self.tokens)
        else:
            self.done.set_exception(error)


class DecodeBatch:
    """The running sequences, their stacked key/value cache and attention mask."""

    def __init__(self) -> None:
        self.rows: list[SequenceState] = []
        self._cache: Any = None  # a transformers DynamicCache, rows in `rows` order
        self._mask = torch.zeros((0, 0), dtype=torch.long)

    def __len__(self) -> int:
        return len(self.rows)

    def prefill(self, model: Any, sequence: SequenceState, selection: dict[str, Any]) -> int:
        """Reads the prompt alone, joins the batch and returns the first new token."""
        out = model(input_ids=sequence.prompt, use_cache=True, logits_to_keep=1, **selection)
        token = sequence.pick(out.logits[0, -1])
        sequence.cached = sequence.prompt_tokens
        self._join(sequence, out.cache)
        return token

    def step(self, model: Any, selection: dict[str, Any]) -> list[int]:
        """One decode step for every row: each row's last token in, its next token out."""
        last = torch.tensor([[row.tokens[-1]] for row in self.rows], dtype=torch.long)
        positions = torch.tensor([[row.cached] for row in self.rows], dtype=torch.long)
        self._mask = torch.cat([self._mask, torch.ones((len(self.rows), 1), dtype=torch.long)], 1)
        out = model(
            input_ids=last,
            attention_mask=self._mask,
            position_ids=positions,
            cache=self._cache,
            use_cache=True,
            **selection,
        )
        self._cache = out.cache
        for row in self.rows:
            row.cached += 1
        return [row.pick(out.logits[i, -1]) for i, row in enumerate(self.rows)]

    def drop(self, leaving: Sequence[SequenceState]) -> None:
        """Cuts the rows of `leaving` out, and the columns no remaining row reads."""
        if not any(row in leaving for row in self.rows):
            return
        keep = [i for i, row in enumerate(self.rows) if row not in leaving]
        self.rows = [self.rows[i] for i in keep]
        if not keep:
            self._cache, self._mask = None, torch.zeros((0, 0), dtype=torch.long)
            return
        index = torch.tensor(keep, dtype=torch.long)
        self._mask = self._mask[index]
        unread = int(self._mask.argmax(dim=1).min())  # leading padding shared by every row
        self._mask = self._mask[:, unread:]
        for layer in self._cache.layers:
            layer.keys = layer.keys[index, :, unread:]
            layer.values = layer.values[index, :, unread:]

    def _join(self, sequence: SequenceState, cache: Any) -> None:
        mask = torch.ones((1, sequence.prompt_tokens), dtype=torch.long)
        if self._cache is None:
            self.rows, self._cache, self._mask = [sequence], cache, mask
            return
        width, new_width = self._mask.shape[1], mask.shape[1]
        self._mask = torch.cat(
            [_pad_left(self._mask, new_width - width, 2), _pad_left(mask, width - new_width, 2)]
        )
        for mine, theirs in zip(self._cache.layers, cache.layers, strict=True):
            mine.keys = torch.cat(
                [_pad_left(mine.keys, new_width - width), _pad_left(theirs.keys, width - new_width)]
            )
            mine.values = torch.cat(
                [
                    _pad_left(mine.values, new_width - width),
                    _pad_left(theirs.values, width - new_width),
                ]
            )
        self.rows.append(sequence)


def _pad_left(tensor: torch.Tensor, size: int, dims: int = 4) -> torch.Tensor:
    """Zeros before the sequence axis (the last for a mask, the third of four for a cache)."""
    if size <= 0:
        return tensor
    shape = list(tensor.shape)
    axis = 1 if dims == 2 else 2
    shape[axis] = size
    return torch.cat([tensor.new_zeros(shape), tensor], dim=axis)
