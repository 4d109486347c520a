"""How jobs are queued and run: the broker, the queues a worker consumes, attempts and time
limits. Read as `Settings.queue` (environment: BYOSC_QUEUE__*)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import NoDecode

QueueName = Literal["cpu", "llm", "transcribe", "train"]
# cpu: documents; llm: instruction sets; transcribe: recordings; train: adapter training.
QUEUES: tuple[QueueName, ...] = ("cpu", "llm", "transcribe", "train")
_SPLIT_QUEUE = (
    "BYOSC_QUEUE__QUEUES (or byosc worker --queues): the `gpu` queue is gone, split into "
    "`transcribe` (recordings) and `train` (adapter training); the queues are "
    "cpu, llm, transcribe, train"
)


class TimeLimit(BaseModel):
    soft_s: int = Field(
        ge=1,
        description="Seconds after which the task is interrupted and its job item (or job) "
        "fails with a reason naming this setting.",
    )
    hard_s: int = Field(
        ge=1,
        description="Seconds after which the worker kills the task's process, for work that "
        "ignores the soft limit (a long call into native code); its job fails too.",
    )

    @model_validator(mode="after")
    def _hard_after_soft(self) -> TimeLimit:
        if self.hard_s <= self.soft_s:
            raise ValueError(f"hard_s ({self.hard_s}) must be above soft_s ({self.soft_s})")
        return self


# Per kind: the soft limit, and the grace after it before the hard limit kills the process.
_LIMITS = {
    "documents": (1800, 300),
    "recordings": (7200, 300),
    "instruction_sets": (7200, 300),
    "training": (8 * 3600, 600),
}


def _default(kind: str) -> TimeLimit:
    soft, grace = _LIMITS[kind]
    return TimeLimit(soft_s=soft, hard_s=soft + grace)


class TimeLimits(BaseModel):
    """Per kind of work, enforced by the worker that runs it (its own settings decide).
    Setting only a soft limit moves the hard one with it, keeping the kind's grace."""

    documents: TimeLimit = Field(
        default=_default("documents"),
        description="One document (queue cpu), and the planning of a refresh.",
    )
    recordings: TimeLimit = Field(
        default=_default("recordings"),
        description="One lecture recording transcribed and indexed (queue transcribe).",
    )
    instruction_sets: TimeLimit = Field(
        default=_default("instruction_sets"),
        description="One course's instruction-set generation (queue llm).",
    )
    training: TimeLimit = Field(
        default=_default("training"),
        description="One adapter trained and evaluated (queue train); a training stopped "
        "by its limit keeps its checkpoint, so a new job resumes it.",
    )

    def longest_hard_s(self) -> int:
        return max(
            limit.hard_s
            for limit in (self.documents, self.recordings, self.instruction_sets, self.training)
        )

    @model_validator(mode="before")
    @classmethod
    def _fill_in(cls, data: Any) -> Any:
        """A partial limit (one variable of the two) is completed from the kind's defaults."""
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        for kind, (soft, grace) in _LIMITS.items():
            given = data.get(kind)
            if isinstance(given, dict):
                soft_s = given.get("soft_s", soft)
                hard_s = given.get("hard_s", int(soft_s) + grace)
                filled[kind] = {"soft_s": soft_s, "hard_s": hard_s}
        return filled


class QueueSettings(BaseModel):
    broker_url: str | None = Field(
        default=None,
        description="Celery broker; default: a filesystem broker in the data directory "
        "(embedded), redis://... in production.",
    )
    result_backend: str | None = Field(
        default=None, description="Celery results; default: SQLite in the data directory."
    )
    visibility_timeout_s: int | None = Field(
        default=None,
        ge=1,
        description="Redelivery delay of unacked tasks (Redis broker); default: the longest "
        "hard time limit plus 10 minutes. A task still running when it passes is delivered "
        "again: indexing a document twice overwrites, a training holds a lock.",
    )
    max_attempts: int = Field(default=3, ge=1, description="Attempts before a document fails.")
    concurrency: int = Field(
        default=1,
        ge=1,
        description="Worker processes per worker; one where the worker owns an Edge shard.",
    )
    # NoDecode: the environment may give `cpu,llm` as well as a JSON list.
    queues: Annotated[list[QueueName], NoDecode] = Field(
        default_factory=lambda: list(QUEUES),
        min_length=1,
        description="Queues a worker consumes: cpu (documents), llm (instruction sets), "
        "transcribe (recordings), train (adapter training); comma-separated or a JSON list.",
    )
    time_limits: TimeLimits = TimeLimits()

    @property
    def redelivery_after_s(self) -> int:
        """When the broker hands an unacknowledged task to another worker."""
        return self.visibility_timeout_s or self.time_limits.longest_hard_s() + 600

    @field_validator("queues", mode="before")
    @classmethod
    def _queue_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if isinstance(value, list):
            value = [q.strip() if isinstance(q, str) else q for q in value]
            value = [q for q in value if q != ""]
            if "gpu" in value:
                raise PydanticCustomError("queue_name", _SPLIT_QUEUE)
            unknown = [q for q in value if q not in QUEUES]
            if unknown:
                raise PydanticCustomError(
                    "queue_name",
                    "BYOSC_QUEUE__QUEUES (or byosc worker --queues): unknown queue "
                    "`{queue}`; the queues are cpu, llm, transcribe, train",
                    {"queue": unknown[0]},
                )
        return value
