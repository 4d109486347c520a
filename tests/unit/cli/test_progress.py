"""Watching a job: plain lines where output is not a terminal, a bar where it is, and the
job's last line printed whole either way."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, JobProgress
from byosc.jobs.sql import SqlJobStore
from cli import progress
from cli.job_views import PlainLinesView

OUTCOME = (
    "cs140-v1 promoted: perplexity with context 1.135 < base 1.683: better; "
    "ROUGE-L 0.839 vs base 0.372: no lower; answer similarity 0.932 vs base 0.732: no lower"
)


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[SqlJobStore]:
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'byosc.db'}")
    catalog.create_course(Course(id="cs140", name="Operating Systems"))
    yield SqlJobStore(catalog.engine)
    catalog.close()


class _TrainingRun:
    """Moves a training job on by one step each time the watcher polls."""

    def __init__(self, jobs: SqlJobStore, steps: int) -> None:
        self.jobs, self.steps, self.polls = jobs, steps, 0
        self.job, _ = jobs.start_job("cs140", "train", 3600.0)
        jobs.begin(self.job.id, "loading smollm2 to train on 39 pairs")

    def __call__(self) -> bool:
        self.polls += 1
        step = self.polls
        if step <= self.steps:
            line = f"training: step {step}/{self.steps}, loss {3 / step:.3f}, 90 tokens/s"
            figures = {"step": float(step), "total_steps": float(self.steps)}
            self.jobs.set_step(self.job.id, line, figures)
        elif step == self.steps + 1:
            self.jobs.set_step(self.job.id, "evaluating: perplexity of 8 reference answers")
        else:
            self.jobs.succeed(self.job.id, OUTCOME)
        return True


def _watch(jobs: SqlJobStore, run: _TrainingRun, stream: io.StringIO) -> str:
    progress.watch_job(jobs, run.job.id, show=True, alive=run, stream=stream)
    return stream.getvalue()


def test_a_job_watched_into_a_log_prints_plain_lines_for_each_stage_and_its_outcome(
    jobs: SqlJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "POLL_S", 0.0)
    output = _watch(jobs, _TrainingRun(jobs, steps=3), io.StringIO())
    lines = output.splitlines()
    assert "\x1b" not in output and "\r" not in output  # no terminal control codes
    assert lines[0].endswith("] loading smollm2 to train on 39 pairs")
    # A stage's first line comes at once; later ones at most every PLAIN_EVERY_S.
    assert lines[1].endswith("] training: step 1/3, loss 3.000, 90 tokens/s")
    # Not counted with the training's last step (3/3): a training line counts for itself.
    assert lines[2].endswith("] evaluating: perplexity of 8 reference answers")
    assert lines[3].endswith(f"] succeeded: {OUTCOME}")
    assert len(lines) == 4


def test_plain_lines_within_a_stage_come_at_most_every_so_often_with_the_time_taken() -> None:
    now = [0.0]
    stream = io.StringIO()
    view = PlainLinesView(stream, every_s=10.0, clock=lambda: now[0])
    for step in range(1, 31):
        now[0] = step * 2.0
        view.update(f"training: step {step}/30", JobProgress(figures={"step": step}))
    assert stream.getvalue().splitlines() == [
        "[0:02] training: step 1/30",
        "[0:12] training: step 6/30",
        "[0:22] training: step 11/30",
        "[0:32] training: step 16/30",
        "[0:42] training: step 21/30",
        "[0:52] training: step 26/30",
    ]


def test_plain_lines_count_the_documents_or_stages_of_a_job_that_counts_them() -> None:
    stream = io.StringIO()
    view = PlainLinesView(stream, clock=lambda: 75.0)
    view.update("queued", JobProgress())
    view.update("slides.pdf: embed 2/2 chunks", JobProgress(done=1, total=5))
    view.update("checking 74 pairs", JobProgress(done=6, total=8))
    assert stream.getvalue().splitlines() == [
        "[0:00] queued",
        "[0:00] slides.pdf: embed 2/2 chunks (1/5)",
        "[0:00] checking 74 pairs (6/8)",
    ]


def test_a_job_watched_on_a_narrow_terminal_still_prints_its_outcome_whole(
    jobs: SqlJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "POLL_S", 0.0)
    monkeypatch.setenv("COLUMNS", "80")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    output = _watch(jobs, _TrainingRun(jobs, steps=2), Terminal())
    assert len(OUTCOME) > 80
    assert OUTCOME in output.replace("\n", "")  # whole, not cut at the terminal's width
    assert OUTCOME in output  # and not wrapped either: it can be copied from a log


def test_nothing_is_printed_when_progress_is_not_shown(
    jobs: SqlJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "POLL_S", 0.0)
    run = _TrainingRun(jobs, steps=2)
    stream = io.StringIO()
    job = progress.watch_job(jobs, run.job.id, show=False, alive=run, stream=stream)
    assert job.state == "succeeded" and stream.getvalue() == ""


def test_a_failed_job_is_printed_with_its_reason(
    jobs: SqlJobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "POLL_S", 0.0)
    job, _ = jobs.start_job("cs140", "dataset", 3600.0)
    jobs.begin(job.id, "reading notes.md")

    def fails() -> bool:
        jobs.fail_job(job.id, "the index has no chunks for notes.md")
        return True

    stream = io.StringIO()
    progress.watch_job(jobs, job.id, show=True, alive=fails, stream=stream)
    last = stream.getvalue().splitlines()[-1]
    assert last.endswith("] failed: the index has no chunks for notes.md")
