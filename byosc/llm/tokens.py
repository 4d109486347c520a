"""Token counts for prompt budgets, with the model's own tokenizer where it is on disk.

A chat template wraps every message in a few tokens of its own (role markers, separators),
and a conversation in a few more (a default system prompt, the generation prompt). Both are
measured once from the template and added per message and per conversation; tokens can
merge across those boundaries, so counts of templated conversations are close, not exact.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PROBE_SYSTEM = "Answer from the course material."
_PROBE_QUESTION = "What is paging?"
_PROBE_ANSWER = "Paging divides memory into pages."
# Guesses for a model whose tokenizer is not here: four characters a token is the usual
# rule for English text, and chat templates spend a handful of tokens per message.
_CHARS_PER_TOKEN = 4
_GUESSED_PER_MESSAGE = 6
_GUESSED_PER_CONVERSATION = 8


@dataclass(frozen=True)
class TemplateOverhead:
    """Tokens a chat template adds around the contents."""

    per_message: int  # role markers and separators around each message
    per_conversation: int  # e.g. the generation prompt that opens the answer
    default_system: int  # a system prompt the template adds when the messages have none


class TokenCounter:
    """Counts tokens of text and of chat messages for one model.

    Build it with `from_model_dir` (the model's tokenizer, loaded on first use) or
    `approximate` (characters / 4, for remote models whose tokenizer is not configured).
    """

    def __init__(
        self,
        load: Callable[[], tuple[Callable[[str], int], TemplateOverhead]],
        exact: bool,
    ) -> None:
        self._load = load
        self._loaded: tuple[Callable[[str], int], TemplateOverhead] | None = None
        self._lock = threading.Lock()
        self.exact = exact

    @classmethod
    def from_model_dir(cls, path: Path | str) -> TokenCounter:
        """The tokenizer and chat template of a transformers model directory, from local
        files only; nothing is read until the first count."""
        return cls(lambda: _load_tokenizer(Path(path)), exact=True)

    @classmethod
    def approximate(cls) -> TokenCounter:
        """A guess without any tokenizer: one token per four characters."""
        overhead = TemplateOverhead(_GUESSED_PER_MESSAGE, _GUESSED_PER_CONVERSATION, 0)
        return cls(lambda: (_approximate_count, overhead), exact=False)

    @property
    def overhead(self) -> TemplateOverhead:
        return self._ensure()[1]

    def count(self, text: str) -> int:
        """Tokens of plain text, without special tokens."""
        return self._ensure()[0](text)

    def count_message(self, content: str) -> int:
        """Tokens one chat message takes: its content plus the template's markers."""
        return self.count(content) + self.overhead.per_message

    def count_messages(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Tokens of a whole templated prompt, generation prompt included."""
        overhead = self.overhead
        total = sum(self.count_message(m["content"]) for m in messages)
        if not messages or messages[0]["role"] != "system":
            total += overhead.default_system
        return total + overhead.per_conversation

    def _ensure(self) -> tuple[Callable[[str], int], TemplateOverhead]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded


def _approximate_count(text: str) -> int:
    return math.ceil(len(text) / _CHARS_PER_TOKEN)


def _load_tokenizer(path: Path) -> tuple[Callable[[str], int], TemplateOverhead]:
    from transformers import AutoTokenizer

    tokenizer: Any = AutoTokenizer.from_pretrained(path, local_files_only=True)

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    return count, _measure_overhead(tokenizer, count)


def _measure_overhead(tokenizer: Any, count: Callable[[str], int]) -> TemplateOverhead:
    if not getattr(tokenizer, "chat_template", None):
        return TemplateOverhead(per_message=0, per_conversation=0, default_system=0)

    def templated(messages: list[dict[str, str]], generation_prompt: bool = False) -> int:
        ids = tokenizer.apply_chat_template(
            messages, tokenize=True, add_generation_prompt=generation_prompt, return_dict=True
        )["input_ids"]
        return len(ids)

    system = {"role": "system", "content": _PROBE_SYSTEM}
    question = {"role": "user", "content": _PROBE_QUESTION}
    answer = {"role": "assistant", "content": _PROBE_ANSWER}
    # Measured on an assistant message: role names differ in length, this one is the longest.
    per_message = templated([question, answer]) - templated([question]) - count(_PROBE_ANSWER)
    without_system = templated([question], True) - count(_PROBE_QUESTION) - per_message
    try:
        with_system = templated([system, question], True) - count(_PROBE_SYSTEM)
        per_conversation = with_system - count(_PROBE_QUESTION) - 2 * per_message
    except Exception:  # templates that reject a system role raise while rendering
        per_conversation = without_system
    return TemplateOverhead(
        per_message=max(per_message, 0),
        per_conversation=max(per_conversation, 0),
        default_system=max(without_system - per_conversation, 0),
    )
