"""Calls made from many threads released at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def ask_at_once(embed: Callable[[str], list[float]], texts: Sequence[str]) -> list[list[float]]:
    """Each text embedded from its own thread, all released at once; vectors in order."""
    answers: list[list[float] | None] = [None] * len(texts)
    start = threading.Barrier(len(texts))

    def ask(i: int) -> None:
        start.wait()
        answers[i] = embed(texts[i])

    callers = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    return [a for a in answers if a is not None]
