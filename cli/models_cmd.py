"""`byosc models`: prepare, check and locate the bundled models."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from byosc.errors import ByoscError
from byosc.models import BundledModels, bundled_models, fetch_models, verify_models
from byosc.settings import Settings

app = typer.Typer(help="Prepare and check the bundled models.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _print_paths(models: BundledModels, as_json: bool) -> None:
    if as_json:
        typer.echo(models.model_dump_json(indent=2))
        return
    for role, path in models.model_dump().items():
        typer.echo(f"{role.removesuffix('_dir'):<9} {path}")


def _fail(exc: ByoscError) -> typer.Exit:
    typer.secho(f"error: {exc}", fg="red", err=True)
    return typer.Exit(code=1)


@app.command()
def fetch(as_json: JsonFlag = False) -> None:
    """Prepare every bundled model in BYOSC_HOME/models; prepared ones are only verified."""

    # Progress goes to stderr when stdout carries JSON.
    def log(message: str) -> None:
        typer.echo(message, err=as_json)

    try:
        models = fetch_models(Settings(), log=log)
    except ByoscError as exc:
        raise _fail(exc) from exc
    _print_paths(models, as_json)


@app.command()
def verify(as_json: JsonFlag = False) -> None:
    """Compare every prepared file with its manifest (sizes and sha256); exit 1 on a problem."""
    found = verify_models(Settings())
    if as_json:
        typer.echo(json.dumps(found, indent=2))
    else:
        for name, problems in found.items():
            typer.echo(f"{name}: {'; '.join(problems) if problems else 'ok'}")
    if any(found.values()):
        typer.echo("run `byosc models fetch` to repair", err=True)
        raise typer.Exit(code=1)


@app.command()
def path(as_json: JsonFlag = False) -> None:
    """Print where the prepared models are (quick check only)."""
    try:
        models = bundled_models(Settings())
    except ByoscError as exc:
        raise _fail(exc) from exc
    _print_paths(models, as_json)
