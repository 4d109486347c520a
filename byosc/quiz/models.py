"""Quiz contracts. The server keeps every quiz it makes, answers included, and grades
against that copy: a client sends back only the quiz ID and the student's answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from byosc.domain import Citation
from byosc.errors import ByoscError

QuestionKind = Literal["multiple_choice", "short_answer"]
Verdict = Literal["correct", "partial", "incorrect"]


class NotEnoughMaterial(ByoscError):
    """The course (or the topic) states no fact a question can be built on."""


class NotInQuiz(ByoscError):
    """An answer to a question the quiz does not have: a forged or mixed-up request."""


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


def new_quiz_id() -> str:
    return uuid.uuid4().hex


class Quiz(BaseModel):
    quiz_id: str = Field(description="Send it back to /quiz/grade with the answers.")
    course_id: str
    topic: str | None = None
    questions: list[QuizQuestion]
    note: str | None = Field(default=None, description="Why there are fewer questions than asked.")


class QuizRecord(Quiz):
    """A stored quiz: when it was made and its latest grade."""

    created_at: datetime
    score: float | None = None
    max_score: int | None = None
    graded_at: datetime | None = None


class GradeRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"quiz_id": "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e", "answers": {"q-1a2b3c4d5e": "B"}}
            ]
        }
    )

    quiz_id: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The quiz_id POST /courses/{id}/quiz returned.",
    )
    answers: dict[str, str] = Field(
        description="Question ID -> the student's answer: an option's letter or text, or words."
    )

    @model_validator(mode="before")
    @classmethod
    def _no_questions(cls, data: Any) -> Any:
        if isinstance(data, dict) and "questions" in data:
            raise ValueError(
                "send the quiz_id that POST /courses/{id}/quiz returned and the answers, not "
                "the questions: grading uses the quiz as the server made it"
            )
        return data


class QuestionGrade(BaseModel):
    question_id: str
    verdict: Verdict
    score: float = Field(ge=0, le=1)
    given: str
    expected: str
    feedback: str
    citations: list[Citation]


class GradeResult(BaseModel):
    quiz_id: str
    course_id: str
    score: float = Field(description="Sum of the question scores.")
    max_score: int
    results: list[QuestionGrade]
