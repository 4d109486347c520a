"""Quiz contracts. The server keeps no quiz: grading takes the questions back from the client."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from byosc.domain import Citation
from byosc.errors import ByoscError

QuestionKind = Literal["multiple_choice", "short_answer"]
Verdict = Literal["correct", "partial", "incorrect"]


class NotEnoughMaterial(ByoscError):
    """The course (or the topic) states no fact a question can be built on."""


class QuizRequest(BaseModel):
    n: int = Field(default=5, ge=1, le=20, description="How many questions.")
    topic: str | None = Field(
        default=None, max_length=200, description="Ask only about this; none: the whole course."
    )


class QuizQuestion(BaseModel):
    id: str
    kind: QuestionKind
    question: str
    options: list[str] = Field(default_factory=list, description="Multiple choice only.")
    answer: str = Field(description="The correct option, or a reference short answer.")
    explanation: str = Field(description="The source statement the question is built on.")
    citations: list[Citation]


class Quiz(BaseModel):
    course_id: str
    topic: str | None = None
    questions: list[QuizQuestion]
    note: str | None = Field(default=None, description="Why there are fewer questions than asked.")


class GradeRequest(BaseModel):
    questions: list[QuizQuestion] = Field(min_length=1, max_length=20)
    answers: dict[str, str] = Field(
        description="Question ID -> the student's answer: an option's letter or text, or words."
    )


class QuestionGrade(BaseModel):
    question_id: str
    verdict: Verdict
    score: float = Field(ge=0, le=1)
    given: str
    expected: str
    feedback: str
    citations: list[Citation]


class GradeResult(BaseModel):
    course_id: str
    score: float = Field(description="Sum of the question scores.")
    max_score: int
    results: list[QuestionGrade]
