"""What a chat reports for monitoring, and the default that reports nowhere."""

from __future__ import annotations

from typing import Protocol

from byosc.llm.breaker import ModelFailure


class ChatObserver(Protocol):
    """What a chat reports for monitoring; the service wires it to its metrics."""

    def retrieval(self, seconds: float) -> None:
        """One search of a course, for a chat or on its own."""

    def first_token(self, seconds: float, *, streaming: bool) -> None:
        """From the chat's start to its first generated piece, or to the model's whole
        answer when it is not streamed."""

    def model_failure(self, reason: ModelFailure) -> None:
        """A chat answered without the model server: it failed, or its circuit is open."""


class Unobserved:
    def retrieval(self, seconds: float) -> None:
        pass

    def first_token(self, seconds: float, *, streaming: bool) -> None:
        pass

    def model_failure(self, reason: ModelFailure) -> None:
        pass
