"""One generated answer in progress, between retrieval and citing: what the model is asked,
and the checks its pieces go through before any is shown. The chat drives it from a sync
model or an async one alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from byosc.domain import ScoredChunk
from byosc.rag.answer_floor import ShownStart, passing_start
from byosc.rag.answer_guard import AnswerGuard


@dataclass
class Answering:
    course_id: str
    query: str  # the standalone question retrieval used
    found: list[ScoredChunk]
    messages: list[dict[str, str]]
    served: str  # the model asked: the course's adapter or the base model
    adapter_error: str | None
    max_tokens: int
    started: float  # when the chat began, for the time to first token
    guard: AnswerGuard
    floor: ShownStart
    pieces: list[str] = field(default_factory=list)

    def take(self, piece: str) -> str:
        """A streamed piece in; out, the new text that may be shown ("" for none yet)."""
        self.pieces.append(piece)
        return self.floor.feed(self.guard.feed(piece))

    def rest(self) -> str:
        """The stream has ended: what may still be shown of its end."""
        return self.floor.feed(self.guard.finish(), final=True)

    def whole(self, text: str) -> str:
        """A completion's whole text in; out, the part of it that passes."""
        self.guard.feed(text)
        return passing_start(self.guard.answer, self.floor.question, final=True)
