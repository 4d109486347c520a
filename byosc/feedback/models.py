"""Feedback and gaps contracts. Feedback carries an identity only when the request did."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

Rating = Literal["up", "down"]
GapSource = Literal["uncovered", "thumbs_down"]

# Surrounding blanks are dropped first, so "   " is refused as empty.
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
User = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def new_id() -> str:
    return uuid.uuid4().hex


class FeedbackCitation(BaseModel):
    """Where the rated answer pointed; other fields of a /chat citation are ignored."""

    document_id: str = Field(min_length=1, max_length=64)
    page: int | None = Field(default=None, ge=1)
    start_s: float | None = Field(default=None, ge=0)


class FeedbackRequest(BaseModel):
    question: Question = Field(description="The question the rated answer answered.")
    answer: str = Field(max_length=20000, description="The answer as the student saw it.")
    rating: Rating
    reason: Reason | None = Field(default=None, description="Why, in the student's words.")
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=50)
    user: User | None = Field(
        default=None,
        description="Who rated it, only when the client chooses to say; never filled in "
        "by the server.",
    )


class FeedbackCreated(BaseModel):
    id: str
    course_id: str
    created_at: datetime


class OpenQuestion(BaseModel):
    """A question that points at a gap: answered not covered, or rated down."""

    id: str
    question: str
    source: GapSource
    asked_at: datetime
    reason: str | None = None


class GapGroup(BaseModel):
    representative: str = Field(description="The question closest to the group's centre.")
    count: int
    examples: list[str] = Field(description="Up to 5 distinct questions, newest first.")
    reasons: list[str] = Field(description="The thumbs-down reasons given, newest first.")
    sources: dict[GapSource, int] = Field(description="How many came from each source.")
    last_asked: datetime
    question_ids: list[str] = Field(description="Send them to /gaps/resolve once it is covered.")


class Gaps(BaseModel):
    course_id: str
    threshold: float = Field(description="The cosine similarity a question joins a group at.")
    questions: int = Field(description="Open questions read, newest first, up to the limit.")
    groups: list[GapGroup]


class ResolveRequest(BaseModel):
    question_ids: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        min_length=1, max_length=2000
    )


class Resolved(BaseModel):
    resolved: int = Field(description="Open questions of this course now marked resolved.")
