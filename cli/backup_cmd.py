"""`byosc backup` and `byosc restore`: a stack to one archive and back, from the settings'
data directory, metadata DB, index and artifact store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from byosc.errors import ByoscError
from byosc.settings import Settings

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _fail(exc: ByoscError) -> typer.Exit:
    typer.secho(f"error: {exc}", fg="red", err=True)
    return typer.Exit(code=1)


def _default_name() -> Path:
    from byosc.domain import utcnow

    return Path(f"byosc-backup-{utcnow():%Y%m%dT%H%M%SZ}.tar.gz")


def backup(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Archive to write (gzip when it ends in .gz or .tgz); default: "
            "byosc-backup-<UTC time>.tar.gz here.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Write one archive of the stack: metadata DB, index, adapters, uploads, originals."""
    from byosc.backup import create_backup

    target = (out or _default_name()).expanduser().resolve()
    try:
        manifest = create_backup(Settings(), target)
    except ByoscError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(manifest.model_dump_json(indent=2, exclude={"files"}))
        return
    tables, index = manifest.database.tables, manifest.index
    typer.echo(
        f"backed up {tables.get('courses', 0)} courses, {tables.get('documents', 0)} "
        f"documents, {index.points} index points, {len(manifest.artifacts.adapters)} "
        f"adapters and {len(manifest.files)} files (schema revision "
        f"{manifest.schema_revision}) to {target}"
    )
    if index.left_out:
        typer.echo(f"left out {index.left_out} points of documents the metadata DB lacks")
    for note in ([manifest.artifacts.note] if manifest.artifacts.note else []) + [
        f"adapter {name} has a record but no files" for name in manifest.artifacts.missing
    ]:
        typer.secho(f"note: {note}", fg="yellow", err=True)


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive `byosc backup` wrote.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace what the data directory and metadata DB hold."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Rebuild the stack from an archive into the configured data directory and metadata DB;
    refuses a target that holds anything unless --force."""
    from byosc.backup import restore_backup

    try:
        report = restore_backup(Settings(), archive, force=force)
    except ByoscError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
        return
    migrated = (
        f", migrated from revision {report.archive_revision}"
        if report.archive_revision != report.schema_revision
        else ""
    )
    typer.echo(
        f"restored {report.tables.get('courses', 0)} courses, {report.tables.get('documents', 0)}"
        f" documents, {report.points} index points, {len(report.adapters)} adapters and "
        f"{report.files} files (schema revision {report.schema_revision}{migrated})"
    )
    for note in report.notes:
        typer.secho(f"note: {note}", fg="yellow", err=True)
