"""Jobs: a refresh, a dataset generation or a training run, its items and its progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from byosc.domain.core import FileError, SourceFile, utcnow

JobState = Literal["queued", "running", "succeeded", "failed", "partial", "cancelled"]
# refresh: sync a course's index with its source; dataset: generate an instruction set;
# train: fine-tune, evaluate and register a course adapter.
JobKind = Literal["refresh", "dataset", "train"]
ACTIVE_JOB_STATES: tuple[JobState, ...] = ("queued", "running")
# What a refresh does with one file: new and changed files are (re)indexed, deleted ones
# removed, unchanged ones skipped without being read.
ItemAction = Literal["new", "changed", "deleted", "unchanged"]
ItemState = Literal["queued", "running", "succeeded", "skipped", "failed"]
OPEN_ITEM_STATES: tuple[ItemState, ...] = ("queued", "running")


class JobAccepted(BaseModel):
    """The answer to a request that starts a job (202)."""

    job_id: str
    state: JobState
    created: bool = Field(description="False: a job of this kind was already running; its ID.")


class JobItem(BaseModel):
    """One document of a job: its progress, attempts, timings and, if it failed, why."""

    id: str
    job_id: str
    source_id: str
    filename: str
    action: ItemAction
    queue: str = "cpu"
    state: ItemState = "queued"
    step: str = ""
    attempts: int = 0
    error: str | None = None
    note: str | None = None
    document_id: str | None = None
    chunks: int = 0
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per step.")
    file: SourceFile | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class JobProgress(BaseModel):
    done: int = 0
    total: int = 0
    failed: int = 0
    step: str = ""
    figures: dict[str, float] = Field(
        default_factory=dict,
        description="Latest figures of a job without items; a training job's step, total_steps, "
        "loss, tokens_per_s and eta_s.",
    )


class ChangeCounts(BaseModel):
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


class Job(BaseModel):
    """A job on one course (a refresh, a dataset generation, a training), as users watch it."""

    id: str
    course_id: str
    kind: JobKind = "refresh"
    state: JobState = "queued"
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="What the job was asked for (a training job's dataset version and "
        "hyperparameters).",
    )
    progress: JobProgress = Field(default_factory=JobProgress)
    changes: ChangeCounts = Field(default_factory=ChangeCounts)
    attempts: int = 0
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow, description="Last recorded progress.")
    items: list[JobItem] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def errors(self) -> list[FileError]:
        return [
            FileError(filename=i.filename, reason=i.error or "failed", document_id=i.document_id)
            for i in self.items
            if i.state == "failed"
        ]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        return ((self.finished_at or utcnow()) - self.started_at).total_seconds()

    @property
    def finished(self) -> bool:
        return self.state not in ACTIVE_JOB_STATES
