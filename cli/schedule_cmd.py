"""`byosc courses schedule set|show|clear`: a course's refresh schedule; `byosc beat`: the
process that starts the scheduled refreshes."""

from __future__ import annotations

from typing import Annotated

import typer

from byosc.errors import ByoscError
from byosc.schedules.manage import (
    ScheduleRequest,
    ScheduleView,
    clear_schedule,
    set_schedule,
    show_schedule,
)
from byosc.schedules.store import SqlScheduleStore
from byosc.settings import Settings
from cli.options import JsonFlag, fail
from cli.runtime import Runtime

app = typer.Typer(help="Refresh a course on a schedule.", no_args_is_help=True)
CourseArg = Annotated[str, typer.Argument(help="Course ID.")]


@app.command("set")
def set_(
    course_id: CourseArg,
    expression: Annotated[
        str,
        typer.Argument(
            help="Cron expression (5 fields, e.g. '0 6 * * mon-fri', or @daily) or interval "
            "('every 6h', 'every 1h30m', or seconds)."
        ),
    ],
    timezone: Annotated[
        str, typer.Option("--timezone", help="Time zone of a cron expression (IANA name).")
    ] = "UTC",
    train_min_pairs: Annotated[
        int | None,
        typer.Option(
            "--train-min-pairs",
            min=1,
            help="Train after a refresh whose dataset gained at least this many pairs "
            "(off when not given).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Refresh the course on a schedule; the running beat picks it up at its next tick."""
    request = ScheduleRequest(
        expression=expression, timezone=timezone, train_min_pairs=train_min_pairs
    )
    with Runtime() as rt:
        schedules = SqlScheduleStore(rt.catalog.engine)
        try:
            view = set_schedule(
                rt.catalog, schedules, rt.jobs, rt.settings.schedules, course_id, request
            )
        except ByoscError as exc:
            raise fail(exc) from exc
    _show(view, as_json)


@app.command("show")
def show(course_id: CourseArg, as_json: JsonFlag = False) -> None:
    """The schedule, its next run and the last scheduled run."""
    with Runtime() as rt:
        try:
            view = show_schedule(
                rt.catalog, SqlScheduleStore(rt.catalog.engine), rt.jobs, course_id
            )
        except ByoscError as exc:
            raise fail(exc) from exc
    _show(view, as_json)


@app.command("clear")
def clear(course_id: CourseArg) -> None:
    """Stop refreshing the course on a schedule."""
    with Runtime() as rt:
        try:
            had = clear_schedule(rt.catalog, SqlScheduleStore(rt.catalog.engine), course_id)
        except ByoscError as exc:
            raise fail(exc) from exc
    typer.echo(f"cleared the schedule of {course_id}" if had else f"{course_id} had no schedule")


def beat(
    loglevel: Annotated[str | None, typer.Option(help="default: the settings' logs.level")] = None,
) -> None:
    """Run the beat: starts the courses' scheduled refreshes (one per deployment)."""
    from services.ingest.beat import run_beat

    settings = Settings()
    run_beat(settings, loglevel=loglevel or settings.logs.level)


def _show(view: ScheduleView, as_json: bool) -> None:
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    zone = f" ({view.timezone})" if view.kind == "cron" else ""
    typer.echo(f"{view.course_id}: {view.expression}{zone}")
    typer.echo(f"next run: {view.next_run_at.isoformat(timespec='seconds')}")
    if view.train_min_pairs is not None:
        typer.echo(f"trains after a refresh that adds at least {view.train_min_pairs} pairs")
    if view.last_run_at is None:
        typer.echo("last run: none yet")
        return
    last = view.last_run_at.isoformat(timespec="seconds")
    if view.last_error:
        typer.echo(f"last run: {last}, did not start: {view.last_error}")
    elif view.last_job is not None:
        typer.echo(f"last run: {last}, job {view.last_job.id} {view.last_job.state}")
