"""/courses/{id}/quiz and /courses/{id}/quiz/grade: thin mappings onto byosc.quiz."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import GradeRequest, GradeResult, NotEnoughMaterial, Quiz, QuizRequest
from byosc.quiz.store import SqlQuizStore
from byosc.rag.chat import RagChat
from services.inference.dependencies import ChatDep, QuizzesDep

router = APIRouter(tags=["quiz"])


def _quiz_maker(rag: RagChat, quizzes: SqlQuizStore) -> QuizMaker:
    return QuizMaker(rag.catalog, rag.embedder, rag.search, quizzes)


@router.post(
    "/courses/{course_id}/quiz",
    responses={404: {"description": "No such course"}, 422: {"description": "Nothing to ask"}},
)
def make_quiz(course_id: str, body: QuizRequest, rag: ChatDep, quizzes: QuizzesDep) -> Quiz:
    try:
        return _quiz_maker(rag, quizzes).make(course_id, body)
    except NotEnoughMaterial as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


@router.post(
    "/courses/{course_id}/quiz/grade",
    responses={
        400: {"description": "An answer to a question the quiz does not have"},
        404: {"description": "No such course, or no such quiz in it"},
    },
)
def grade_quiz(
    course_id: str, body: GradeRequest, rag: ChatDep, quizzes: QuizzesDep
) -> GradeResult:
    """Grades the answers against the quiz as the server made it, found by its quiz_id."""
    return _quiz_maker(rag, quizzes).grade(course_id, body)
