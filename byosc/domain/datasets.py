"""The shapes an instruction set moves through: candidate -> (gate) -> pair -> dataset version.

They are domain types because the ports (the dataset store, the instruction generator) speak
them, and the ports import nothing of the library but the domain."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from byosc.domain.core import Chunk, utcnow

GeneratorName = Literal["extractive", "llm"]
# Beyond plain Q&A: what kind of instruction a pair teaches.
TaskType = Literal["qa", "definition", "list", "explain", "caption", "recording"]
Split = Literal["train", "validation", "test"]
SPLITS: tuple[Split, ...] = ("train", "validation", "test")


class Candidate(BaseModel):
    """A pair as a generator proposed it, before the quality gate."""

    question: str
    answer: str
    task: TaskType = "qa"
    chunk: Chunk
    generator: GeneratorName
    model: str | None = Field(default=None, description="The LLM that wrote it, if any.")


class Rejection(BaseModel):
    """A candidate (or a generator's unusable output) that did not become a pair, and why."""

    reason: str = Field(description="Short machine-readable cause, e.g. not_grounded.")
    detail: str = ""
    question: str = ""
    answer: str = ""
    document_id: str
    chunk_id: str
    generator: GeneratorName


class Generated(BaseModel):
    """What a generator made of some chunks: candidates, and output it could not use."""

    candidates: list[Candidate] = Field(default_factory=list)
    rejections: list[Rejection] = Field(default_factory=list)


class InstructionPair(BaseModel):
    """A kept pair, traceable to the chunk (and so the page or time span) it came from."""

    id: str
    course_id: str
    document_id: str
    chunk_id: str
    filename: str
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    task: TaskType
    question: str
    answer: str
    generator: GeneratorName
    model: str | None = None
    split: Split = "train"

    @classmethod
    def from_candidate(cls, candidate: Candidate) -> InstructionPair:
        chunk = candidate.chunk
        return cls(
            id=pair_id(chunk.id, candidate.question),
            course_id=chunk.course_id,
            document_id=chunk.document_id,
            chunk_id=chunk.id,
            filename=chunk.filename,
            page=chunk.page,
            start_s=chunk.start_s,
            end_s=chunk.end_s,
            task=candidate.task,
            question=candidate.question,
            answer=candidate.answer,
            generator=candidate.generator,
            model=candidate.model,
        )


def pair_id(chunk_id: str, question: str) -> str:
    """Deterministic: the same question on the same chunk is the same pair in every run."""
    return hashlib.sha256(f"{chunk_id}\n{question.strip().lower()}".encode()).hexdigest()[:20]


class DocumentCounts(BaseModel):
    generated: int = 0
    kept: int = 0
    rejected: int = 0


class GenerationReport(BaseModel):
    """One generation run: how many pairs were proposed, kept, and rejected by reason."""

    generated: int = 0
    kept: int = 0
    rejected: dict[str, int] = Field(default_factory=dict)
    per_document: dict[str, DocumentCounts] = Field(default_factory=dict)
    reused: int = Field(default=0, description="Pairs carried over from the previous version.")
    dropped: int = Field(default=0, description="Previous pairs of deleted or changed files.")


class DatasetVersion(BaseModel):
    """An immutable dataset version: its pairs are stored with it and never change."""

    course_id: str
    version: int = Field(ge=1)
    parent: int | None = Field(default=None, description="The version it was derived from.")
    created_at: datetime = Field(default_factory=utcnow)
    pairs: int = 0
    splits: dict[str, int] = Field(default_factory=dict)
    documents: list[str] = Field(default_factory=list)
    report: GenerationReport = Field(default_factory=GenerationReport)
