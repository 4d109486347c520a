"""`byosc`: course operations for admins and scripts, in-process in the embedded profile."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, ValidationError

from byosc.courses import create_course, delete_course
from byosc.domain import ChatMessage, ChatRequest, Course, SourceSpec
from byosc.errors import ByoscError
from byosc.ingest import read_paths
from byosc.settings_errors import SettingsInvalid, load_settings
from cli import render
from cli.backup_cmd import backup, restore
from cli.datasets_cmd import app as datasets_app
from cli.db_cmd import app as db_app
from cli.documents_cmd import app as documents_app
from cli.eval_cmd import app as eval_app
from cli.jobs_cmd import refresh, worker
from cli.keys_cmd import app as keys_app
from cli.lti_cmd import app as lti_app
from cli.models_cmd import app as models_app
from cli.quiz_cmd import quiz
from cli.refusals import plain
from cli.runtime import Runtime
from cli.schedule_cmd import app as schedule_app
from cli.schedule_cmd import beat
from cli.train_cmd import app as adapters_app
from cli.train_cmd import train

app = typer.Typer(help="BYOSC: course study buddies from lecture material.", no_args_is_help=True)
courses_app = typer.Typer(help="Create, list and delete courses.", no_args_is_help=True)
app.add_typer(courses_app, name="courses")
courses_app.add_typer(schedule_app, name="schedule")
app.add_typer(documents_app, name="documents")
app.add_typer(models_app, name="models")
app.add_typer(eval_app, name="eval")
app.add_typer(datasets_app, name="datasets")
app.add_typer(adapters_app, name="adapters")
app.add_typer(keys_app, name="keys")
app.add_typer(lti_app, name="lti")
app.add_typer(db_app, name="db")
app.command()(refresh)
app.command()(worker)
app.command()(beat)
app.command()(quiz)
app.command()(train)
app.command()(backup)
app.command()(restore)


@app.callback()
def _before_every_command() -> None:
    # Model loading progress bars drown the answers on a terminal.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # Every command reads the settings: refused ones are said here, one line per variable,
    # not as a traceback from wherever a command first reads them.
    try:
        load_settings()
    except SettingsInvalid as exc:
        for problem in exc.problems:
            typer.secho(f"error: {problem}", fg="red", err=True)
        raise typer.Exit(code=2) from None


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
CourseOpt = Annotated[str, typer.Option("--course", "-c", help="Course ID.")]


def _print_json(value: BaseModel | list[BaseModel]) -> None:
    if isinstance(value, list):
        typer.echo(json.dumps([v.model_dump(mode="json") for v in value], indent=2))
    else:
        typer.echo(value.model_dump_json(indent=2))


def _fail(exc: ByoscError) -> typer.Exit:
    typer.secho(f"error: {exc}", fg="red", err=True)
    return typer.Exit(code=1)


def _source(source_path: Path | None, drive_folder: str | None) -> SourceSpec:
    if source_path is not None and drive_folder is not None:
        raise _fail(ByoscError("give --source-path or --drive-folder, not both"))
    if source_path is not None:
        return SourceSpec(kind="local", path=str(source_path.expanduser().resolve()))
    if drive_folder is not None:
        return SourceSpec(kind="gdrive", folder_id=drive_folder)
    return SourceSpec()


@courses_app.command("create")
def courses_create(
    course_id: Annotated[str, typer.Argument(help="Short ID, e.g. cs140")],
    name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    source_path: Annotated[
        Path | None,
        typer.Option("--source-path", help="Local folder to sync (under an allowed root)"),
    ] = None,
    drive_folder: Annotated[
        str | None, typer.Option("--drive-folder", help="Google Drive folder ID to sync")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a course; with a source, `byosc refresh` keeps its index in sync with it."""
    try:
        source = _source(source_path, drive_folder)
        course = Course(id=course_id, name=name or course_id, source=source)
    except ValidationError as exc:
        raise _fail(ByoscError(plain(exc))) from exc
    with Runtime() as rt:
        try:
            course = create_course(rt.catalog, rt.settings, course)
        except (ByoscError, ValueError) as exc:
            raise _fail(ByoscError(str(exc))) from exc
    _print_json(course) if as_json else typer.echo(f"created course {course.id}")


@courses_app.command("list")
def courses_list(as_json: JsonFlag = False) -> None:
    with Runtime() as rt:
        courses = rt.catalog.list_courses()
    if as_json:
        _print_json(list(courses))
        return
    for course in courses:
        typer.echo(f"{course.id}\t{course.name}")


@courses_app.command("delete")
def courses_delete(course_id: str) -> None:
    with Runtime() as rt:
        try:
            delete_course(
                rt.catalog,
                rt.index,
                rt.settings,
                course_id,
                datasets=rt.datasets,
                adapters=(rt.adapter_registry, rt.artifacts),
            )
        except ByoscError as exc:
            raise _fail(exc) from exc
    typer.echo(f"deleted course {course_id}")


@app.command()
def ingest(
    course: CourseOpt,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest")],
    as_json: JsonFlag = False,
) -> None:
    """Extract, chunk, embed and index files into a course."""
    with Runtime() as rt:
        try:
            report = rt.ingestor.ingest(course, read_paths(paths))
        except ByoscError as exc:
            raise _fail(exc) from exc
    _print_json(report) if as_json else render.show_report(report)
    if report.errors:
        raise typer.Exit(code=2)


@app.command()
def ask(
    course: CourseOpt,
    question: Annotated[str, typer.Argument(help="The student's question")],
    max_tokens: Annotated[int, typer.Option(help="Longest answer, in tokens")] = 160,
    adapter: Annotated[
        bool, typer.Option("--adapter/--no-adapter", help="Use the course's active adapter")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Answer a question from the course material, with citations."""
    request = ChatRequest(
        course_id=course,
        messages=[ChatMessage(role="user", content=question)],
        max_tokens=max_tokens,
        use_adapter=adapter,
    )
    with Runtime(llm=True) as rt:
        try:
            response = rt.chat.answer(request)
        except ByoscError as exc:
            raise _fail(exc) from exc
    _print_json(response) if as_json else render.show_answer(response)


@app.command()
def search(
    course: CourseOpt,
    query: Annotated[str, typer.Argument(help="What to look for")],
    limit: Annotated[int, typer.Option(help="Number of chunks")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Show the course chunks that best match a query."""
    with Runtime() as rt:
        try:
            hits = rt.chat.search(course, query, limit)
        except ByoscError as exc:
            raise _fail(exc) from exc
    _print_json(list(hits)) if as_json else render.show_hits(hits)
