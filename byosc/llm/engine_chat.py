"""The ChatModel port over a LocalEngine in this process (the CLI's embedded profile)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from byosc.llm.engine import LocalEngine
from byosc.llm.generation import Controls, repetition_controls
from byosc.ports import Completion
from byosc.settings import LlmSettings


class EngineChatModel:
    def __init__(self, engine: LocalEngine, settings: LlmSettings | None = None) -> None:
        """`settings`: the repetition controls every generation gets, as a model server
        client sends them."""
        self.engine = engine
        llm = settings or LlmSettings()
        self.repetition = repetition_controls(llm.repetition_penalty, llm.no_repeat_ngram_size)

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion:
        controls: Controls = {**self.repetition, "stop": stop}
        generation = self.engine.generate(messages, model=model, max_tokens=max_tokens, **controls)
        return Completion(text=generation.text, model=generation.model, usage=generation.usage)

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        controls: Controls = {**self.repetition, "stop": stop}
        pieces = self.engine.stream(messages, model=model, max_tokens=max_tokens, **controls)
        try:
            yield from pieces
        finally:
            pieces.close()

    def models(self) -> list[str]:
        return self.engine.models()

    def load_adapter(self, name: str, path: Path | str) -> None:
        self.engine.load_adapter(name, path)

    def unload_adapter(self, name: str) -> None:
        self.engine.unload_adapter(name)

    def close(self) -> None:
        self.engine.close()
