"""/courses/{id}/quiz and /courses/{id}/quiz/grade: thin mappings onto byosc.quiz."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import GradeRequest, GradeResult, NotEnoughMaterial, Quiz, QuizRequest
from byosc.rag.chat import RagChat
from services.inference.dependencies import ChatDep

router = APIRouter(tags=["quiz"])


def _quiz_maker(rag: RagChat) -> QuizMaker:
    return QuizMaker(rag.catalog, rag.embedder, rag.search)


@router.post(
    "/courses/{course_id}/quiz",
    responses={404: {"description": "No such course"}, 422: {"description": "Nothing to ask"}},
)
def make_quiz(course_id: str, body: QuizRequest, rag: ChatDep) -> Quiz:
    try:
        return _quiz_maker(rag).make(course_id, body)
    except NotEnoughMaterial as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


@router.post("/courses/{course_id}/quiz/grade", responses={404: {"description": "No such course"}})
def grade_quiz(course_id: str, body: GradeRequest, rag: ChatDep) -> GradeResult:
    return _quiz_maker(rag).grade(course_id, body)
