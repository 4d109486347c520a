"""The local engine's repetition controls, as transformers generate() arguments.

transformers' own `no_repeat_ngram_size` looks at the prompt too: with course sources in
the prompt it would forbid quoting any phrase of them. The one here looks at the answer
alone, like OpenAI's and vLLM's penalties on generated tokens."""

from __future__ import annotations

from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList


class NoRepeatInAnswer(LogitsProcessor):
    """Forbids the token that would complete a run of `size` tokens the answer (the tokens
    after the first `prompt_tokens`) already holds."""

    def __init__(self, size: int, prompt_tokens: int) -> None:
        self.size = size
        self.prompt_tokens = prompt_tokens

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        for row, answer in enumerate(input_ids[:, self.prompt_tokens :].tolist()):
            banned = repeat_completions(answer, self.size)
            if banned:
                scores[row, sorted(banned)] = -float("inf")
        return scores


def repeat_completions(tokens: list[int], size: int) -> set[int]:
    """The tokens that would end `tokens` with a run of `size` it already holds."""
    if size < 1 or len(tokens) < size - 1:
        return set()
    head = size - 1
    tail = tokens[len(tokens) - head :] if head else []
    return {tokens[i + head] for i in range(len(tokens) - head) if tokens[i : i + head] == tail}


def repetition_args(
    penalty: float, no_repeat_ngram_size: int, prompt_tokens: int
) -> dict[str, Any]:
    """generate() arguments for the controls asked for: vLLM's `repetition_penalty` (the
    prompt counts, as in vLLM) and `no_repeat_ngram_size` over the answer only."""
    args: dict[str, Any] = {}
    if penalty != 1.0:
        args["repetition_penalty"] = penalty
    if no_repeat_ngram_size > 0:
        no_repeat = NoRepeatInAnswer(no_repeat_ngram_size, prompt_tokens)
        args["logits_processor"] = LogitsProcessorList([no_repeat])
    return args
