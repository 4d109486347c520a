"""`byosc datasets`: generate, list, show and export a course's instruction datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from byosc.datasets.export import TRAINING_SYSTEM_PROMPT, to_chat_records, write_jsonl
from byosc.errors import ByoscError, NotFound
from byosc.instructions.models import DatasetVersion, Split
from cli.options import CourseOpt, JsonFlag, fail
from cli.runtime import Runtime

app = typer.Typer(help="Instruction datasets generated from a course.", no_args_is_help=True)


@app.command("generate")
def generate(course: CourseOpt, as_json: JsonFlag = False) -> None:
    """Generate the next version in-process: new pairs for new and changed documents only."""
    with Runtime() as rt:
        try:
            version = rt.dataset_builder.build(
                course, lambda step, done, total: typer.echo(f"{step} ({done}/{total})", err=True)
            )
        except ByoscError as exc:
            raise fail(exc) from exc
    typer.echo(version.model_dump_json(indent=2)) if as_json else show(version)


@app.command("list")
def list_versions(course: CourseOpt, as_json: JsonFlag = False) -> None:
    with Runtime() as rt:
        versions = rt.datasets.list_versions(course)
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in versions], indent=2))
        return
    for v in versions:
        typer.echo(f"v{v.version}\t{v.pairs} pairs\t{v.splits}\t{v.created_at:%Y-%m-%d %H:%M}")


@app.command("show")
def show_version(course: CourseOpt, version: int, as_json: JsonFlag = False) -> None:
    with Runtime() as rt:
        found = rt.datasets.get_version(course, version)
        if found is None:
            raise fail(NotFound(f"course {course} has no dataset version {version}"))
        pairs = rt.datasets.pairs(course, version)[:5]
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    show(found)
    for pair in pairs:
        typer.echo(f"\n[{pair.split}] Q: {pair.question}\n        A: {pair.answer}")


@app.command("export")
def export(
    course: CourseOpt,
    version: int,
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file to write.")],
    split: Annotated[Split | None, typer.Option(help="Only this split.")] = None,
) -> None:
    """Write a version as chat-format JSON lines (system, user, assistant)."""
    with Runtime() as rt:
        if rt.datasets.get_version(course, version) is None:
            raise fail(NotFound(f"course {course} has no dataset version {version}"))
        records = to_chat_records(rt.datasets.pairs(course, version, split), TRAINING_SYSTEM_PROMPT)
    write_jsonl(records, out)
    typer.echo(f"wrote {len(records)} records to {out}")


def show(version: DatasetVersion) -> None:
    r = version.report
    typer.echo(
        f"{version.course_id} dataset v{version.version}: {version.pairs} pairs {version.splits}"
    )
    typer.echo(
        f"generated {r.generated}, kept {r.kept}, carried over {r.reused}, dropped {r.dropped}"
    )
    for reason, n in sorted(r.rejected.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  rejected {n:4d}  {reason}")
