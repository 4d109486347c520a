"""What of a generated answer reaches the user. The answer ends where the model starts
writing the prompt's markup (a source tag: it is making up sources) or starts repeating
itself; a stream holds back any tail that may still turn out to be either, so a user never
sees text the final answer drops."""

from __future__ import annotations

from collections.abc import Sequence

from byosc.llm.stops import cut_at_stop, stop_prefix_length
from byosc.rag.repeats import repeat_cut, settled_length


class AnswerGuard:
    """Cuts an answer at the prompt's `markup` and where it starts repeating (runs of
    `span_words` words; 0: never), and for a stream says which part is safe to show."""

    def __init__(self, markup: Sequence[str], span_words: int) -> None:
        self.markup = tuple(markup)
        self.span_words = span_words
        self.text = ""
        self.cut = False
        self._shown = 0

    def feed(self, piece: str) -> str:
        """Adds a generated piece; returns the newly safe text. Once `cut`, the rest of the
        generation is dropped anyway: stop reading it."""
        if self.cut:
            return ""
        self.text += piece
        kept, self.cut = self._kept(final=False)
        if not self.cut:
            safe = min(
                len(kept) - stop_prefix_length(kept, self.markup),
                settled_length(kept, self.span_words) if self.span_words > 0 else len(kept),
            )
            kept = kept[:safe]
        return self._show(kept)

    def finish(self) -> str:
        """The held-back rest, once the generation has ended."""
        kept, cut = self._kept(final=True)
        self.cut = self.cut or cut
        return self._show(kept)

    @property
    def answer(self) -> str:
        return self._kept(final=True)[0].strip()

    def _kept(self, *, final: bool) -> tuple[str, bool]:
        kept, stopped = cut_at_stop(self.text, self.markup)
        cut = repeat_cut(kept, self.span_words, final=final or stopped)
        if cut is None:
            return kept, stopped
        return kept[:cut].rstrip(), True

    def _show(self, kept: str) -> str:
        new = kept[self._shown :]
        self._shown = max(self._shown, len(kept))
        return new
