"""`byosc documents`: list a course's documents and refused files, delete one."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from byosc.documents import course_files, delete_document
from byosc.errors import ByoscError
from cli.options import CourseOpt, JsonFlag, fail
from cli.runtime import Runtime

app = typer.Typer(help="A course's documents and refused files.", no_args_is_help=True)


@app.command("list")
def list_documents(course: CourseOpt, as_json: JsonFlag = False) -> None:
    """Indexed documents, then files a refresh refused (skipped until they change)."""
    with Runtime() as rt:
        try:
            files = course_files(rt.catalog, course)
        except ByoscError as exc:
            raise fail(exc) from exc
    if as_json:
        typer.echo(files.model_dump_json(indent=2))
        return
    for d in files.documents:
        typer.echo(f"{d.id}\t{d.filename}\t{d.chunks} chunks")
    for r in files.refused:
        typer.echo(f"{r.id}\t{r.filename}\trefused: {r.reason}")


@app.command("delete")
def delete(
    course: CourseOpt,
    document_id: Annotated[str, typer.Argument(help="Document or refused file ID (see list)")],
    as_json: JsonFlag = False,
) -> None:
    """Delete a document or refused file of an upload course: its file, vectors and rows."""
    with Runtime() as rt:
        try:
            filename = delete_document(rt.catalog, rt.index, rt.settings, course, document_id)
        except ByoscError as exc:
            raise fail(exc) from exc
    if as_json:
        typer.echo(json.dumps({"deleted": document_id, "filename": filename}, indent=2))
    else:
        typer.echo(f"deleted {filename} ({document_id})")
