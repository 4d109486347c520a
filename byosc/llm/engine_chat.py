"""The ChatModel port over a LocalEngine in this process (the CLI's embedded profile)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from byosc.llm.engine import LocalEngine
from byosc.ports import Completion


class EngineChatModel:
    def __init__(self, engine: LocalEngine) -> None:
        self.engine = engine

    def complete(
        self, messages: list[dict[str, str]], *, model: str | None, max_tokens: int
    ) -> Completion:
        generation = self.engine.generate(messages, model=model, max_tokens=max_tokens)
        return Completion(text=generation.text, model=generation.model, usage=generation.usage)

    def stream(
        self, messages: list[dict[str, str]], *, model: str | None, max_tokens: int
    ) -> Iterator[str]:
        pieces = self.engine.stream(messages, model=model, max_tokens=max_tokens)
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
