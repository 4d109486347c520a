"""Options and the error exit the `byosc` subcommands share."""

from __future__ import annotations

from typing import Annotated

import typer

from byosc.errors import ByoscError

CourseOpt = Annotated[str, typer.Option("--course", "-c", help="Course ID.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(exc: ByoscError) -> typer.Exit:
    """Prints the error in red on stderr; raise the result to exit with status 1."""
    typer.secho(f"error: {exc}", fg="red", err=True)
    return typer.Exit(code=1)
