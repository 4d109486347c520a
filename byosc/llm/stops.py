"""Stop strings, as the OpenAI API's `stop` means them: the text ends before the first one,
and a stream never shows any part of one, even a part split across pieces."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """The text before the first stop string in it, and whether there was one."""
    found = [at for stop in stops if stop and (at := text.find(stop)) >= 0]
    if not found:
        return text, False
    return text[: min(found)], True


def stop_prefix_length(text: str, stops: Sequence[str]) -> int:
    """The length of the longest tail of `text` that could grow into a stop string."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest


class StopScanner:
    """Feeds on pieces of text and gives back what can be shown: everything before a stop
    string, less any tail that may yet turn out to start one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(stop for stop in stops if stop)
        self.text = ""
        self.stopped = False
        self._shown = 0

    def feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        self.text += piece
        kept, self.stopped = cut_at_stop(self.text, self.stops)
        if not self.stopped:
            kept = kept[: len(kept) - stop_prefix_length(kept, self.stops)]
        return self._show(kept)

    def finish(self) -> str:
        """The rest once no more text comes: a held tail that never became a stop string."""
        return self._show(cut_at_stop(self.text, self.stops)[0])

    def _show(self, kept: str) -> str:
        new = kept[self._shown :]
        self._shown = max(self._shown, len(kept))
        return new


def until_stop(pieces: Iterable[str], stops: Sequence[str]) -> Iterator[str]:
    """The pieces up to the first stop string; stops reading `pieces` there."""
    scanner = StopScanner(stops)
    for piece in pieces:
        if shown := scanner.feed(piece):
            yield shown
        if scanner.stopped:
            return
    if rest := scanner.finish():
        yield rest
