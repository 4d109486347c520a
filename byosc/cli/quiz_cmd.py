"""`byosc quiz`: practice questions from a course's material, with where each answer is."""

from __future__ import annotations

from typing import Annotated

import typer

from byosc.cli.runtime import Runtime
from byosc.errors import ByoscError
from byosc.quiz.generate import QuizMaker
from byosc.quiz.models import Quiz, QuizRequest
from byosc.quiz.questions import LETTERS, place


def quiz(
    course: Annotated[str, typer.Option("--course", "-c", help="Course ID.")],
    n: Annotated[int, typer.Option("--n", min=1, max=20, help="Number of questions")] = 5,
    topic: Annotated[str | None, typer.Option(help="Ask only about this topic")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Practice questions with answers and citations, mined from the course material."""
    with Runtime() as rt:
        try:
            result = QuizMaker(rt.catalog, rt.embedder, rt.chat.search).make(
                course, QuizRequest(n=n, topic=topic)
            )
        except ByoscError as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        show_quiz(result)


def show_quiz(result: Quiz) -> None:
    for number, question in enumerate(result.questions, start=1):
        typer.echo(f"{number}. {question.question}")
        for letter, option in zip(LETTERS, question.options, strict=False):
            typer.echo(f"   {letter}) {option}")
        typer.echo(f"   Answer: {question.answer}")
        typer.echo(f"   Source: {place(question.citations)}\n")
    if result.note:
        typer.secho(result.note, fg="yellow")
