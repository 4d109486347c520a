"""How a watched job's progress is shown: a bar on a terminal, plain lines in a log.

Either way the job's last line (a training job's outcome and its reasons) is printed whole
once it ends: in a bar's description it would be cut to the terminal's width.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from byosc.domain import JobProgress

PLAIN_EVERY_S = 10.0  # within one stage, a log gets a line this often at most


class JobView(Protocol):
    def __enter__(self) -> JobView: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def update(self, line: str, progress: JobProgress) -> None:
        """The job's current step, as a line and as figures."""

    def finish(self, state: str, outcome: str, progress: JobProgress) -> None:
        """The job ended in `state`; `outcome` is its last step line."""


class BarView:
    def __init__(self, stream: TextIO) -> None:
        self.console = Console(file=stream)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            _CountColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.task = self.bar.add_task("queued", total=None)

    def __enter__(self) -> BarView:
        self.bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bar.stop()

    def update(self, line: str, progress: JobProgress) -> None:
        done, total = _bar_counts(progress)
        self.bar.update(self.task, total=total, completed=done, description=line)

    def finish(self, state: str, outcome: str, progress: JobProgress) -> None:
        done, total = _bar_counts(progress)
        finished = total if state == "succeeded" and total else done
        self.bar.update(self.task, total=total, completed=finished, description=state)
        self.bar.stop()
        if _says_more(state, outcome):
            self.console.print(outcome, markup=False, highlight=False, soft_wrap=True)


class PlainLinesView:
    """A line for each new stage (the text before a line's first colon: "training",
    "evaluating", a document's name) and at most one every `every_s` within a stage, each
    with the time since the watch began; nothing at all without a stream."""

    def __init__(
        self,
        stream: TextIO | None,
        every_s: float = PLAIN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream, self.every_s, self.clock = stream, every_s, clock
        self.started = clock()
        self.last_line: str | None = None
        self.last_stage: str | None = None
        self.printed_at = float("-inf")

    def __enter__(self) -> PlainLinesView:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def update(self, line: str, progress: JobProgress) -> None:
        if line == self.last_line:
            return
        self.last_line = line
        stage, now = line.split(":", 1)[0], self.clock()
        if stage == self.last_stage and now - self.printed_at < self.every_s:
            return
        self.last_stage, self.printed_at = stage, now
        counted = f" ({progress.done}/{progress.total})" if progress.total else ""
        self._write(line + counted)

    def finish(self, state: str, outcome: str, progress: JobProgress) -> None:
        self._write(f"{state}: {outcome}" if _says_more(state, outcome) else state)

    def _write(self, text: str) -> None:
        if self.stream is None:
            return
        elapsed = int(self.clock() - self.started)
        self.stream.write(f"[{elapsed // 60}:{elapsed % 60:02d}] {text}\n")
        self.stream.flush()


class _CountColumn(MofNCompleteColumn):
    """done/total, or nothing while the total is unknown (rather than "0/?")."""

    def render(self, task: Task) -> Text:
        return super().render(task) if task.total is not None else Text("")


def _bar_counts(progress: JobProgress) -> tuple[int, int | None]:
    """Documents or stages done of how many, or else a training job's steps."""
    figures = progress.figures
    total = progress.total or int(figures.get("total_steps", 0)) or None
    return progress.done or int(figures.get("step", 0)), total


def _says_more(state: str, outcome: str) -> bool:
    return outcome not in ("", state, "finished")
