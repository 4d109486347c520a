"""`byosc quiz`: practice questions from a course's material, with where each answer is, and
grading of answers to a quiz made before (by its quiz ID)."""

from __future__ import annotations

from typing import Annotated

import typer

from byosc.domain import ScoredChunk
from byosc.errors import ByoscError
from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import GradeRequest, GradeResult, Quiz, QuizRequest
from byosc.quiz.questions import LETTERS, place
from byosc.quiz.store import SqlQuizStore
from cli.runtime import Runtime


def quiz(
    course: Annotated[str, typer.Option("--course", "-c", help="Course ID.")],
    n: Annotated[int, typer.Option("--n", min=1, max=20, help="Number of questions")] = 5,
    topic: Annotated[str | None, typer.Option(help="Ask only about this topic")] = None,
    grade: Annotated[
        str | None,
        typer.Option("--grade", metavar="QUIZ_ID", help="Grade answers to this quiz instead"),
    ] = None,
    answers: Annotated[
        list[str] | None,
        typer.Option(
            "--answer",
            "-a",
            metavar="QUESTION_ID=ANSWER",
            help="With --grade: one answer (an option's letter or text, or words); repeat it",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Practice questions with answers and citations, mined from the course material; with
    --grade, grades answers to a quiz made before."""
    with Runtime() as rt:

        def retrieve(course_id: str, query: str, limit: int) -> list[ScoredChunk]:
            # Called only when making a quiz: grading opens no index.
            return rt.chat.search(course_id, query, limit)

        maker = QuizMaker(rt.catalog, rt.embedder, retrieve, SqlQuizStore(rt.catalog.engine))
        try:
            if grade is None:
                result: Quiz | GradeResult = maker.make(course, QuizRequest(n=n, topic=topic))
            else:
                request = GradeRequest(quiz_id=grade, answers=_parse_answers(answers or []))
                result = maker.grade(course, request)
        except ByoscError as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    elif isinstance(result, Quiz):
        show_quiz(result)
    else:
        show_grades(result)


def _parse_answers(given: list[str]) -> dict[str, str]:
    answers = {}
    for item in given:
        question_id, sep, answer = item.partition("=")
        if not sep or not question_id.strip():
            raise typer.BadParameter(f"{item!r} is not QUESTION_ID=ANSWER", param_hint="--answer")
        answers[question_id.strip()] = answer
    return answers


def show_quiz(result: Quiz) -> None:
    typer.echo(f"Quiz {result.quiz_id}\n")
    for number, question in enumerate(result.questions, start=1):
        typer.echo(f"{number}. {question.question}")
        for letter, option in zip(LETTERS, question.options, strict=False):
            typer.echo(f"   {letter}) {option}")
        typer.echo(f"   Answer: {question.answer}")
        typer.echo(f"   Source: {place(question.citations)}")
        typer.echo(f"   Question ID: {question.id}\n")
    if result.note:
        typer.secho(result.note, fg="yellow")


def show_grades(result: GradeResult) -> None:
    for number, graded in enumerate(result.results, start=1):
        typer.echo(f"{number}. {graded.verdict}: {graded.feedback}")
    typer.echo(f"Score: {result.score:g} of {result.max_score}")
