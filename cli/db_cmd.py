"""`byosc db`: the metadata DB's schema revision. `upgrade` is the one way the schema changes
in the compose, k8s and single-node profiles (compose runs it as its `migrate` service, k8s
as the Job `byosc-migrate`); the embedded profile also runs it when a store opens."""

from __future__ import annotations

import json
from typing import Annotated

import sqlalchemy as sa
import typer

from byosc import migrations
from byosc.errors import ByoscError
from byosc.settings import Settings

app = typer.Typer(
    help="Upgrade, inspect or downgrade the metadata DB's schema.", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _url() -> str:
    """The metadata DB the services read: BYOSC_DATABASE__URL, else the data directory's
    SQLite file. Says which on stderr, where --json output is not."""
    url = Settings().database_url
    shown = sa.make_url(url).render_as_string(hide_password=True)
    typer.echo(f"metadata DB: {shown}", err=True)
    return url


def _fail(exc: ByoscError) -> typer.Exit:
    typer.secho(f"error: {exc}", fg="red", err=True)
    return typer.Exit(code=1)


def _name(revision: str | None) -> str:
    return revision or "none (empty)"


@app.command("upgrade")
def upgrade(
    revision: Annotated[
        str, typer.Option("--revision", help="Target revision: an ID, `head` or `+1`.")
    ] = "head",
) -> None:
    """Upgrade the schema; a database an older release made is recognised first."""
    url = _url()
    try:
        change = migrations.upgrade(url, revision)
    except ByoscError as exc:
        raise _fail(exc) from exc
    if change.stamped is not None:
        typer.echo(f"recognised tables made before migrations as revision {change.stamped}")
    before = change.stamped or change.before
    if before == change.after:
        typer.echo(f"already at revision {_name(change.after)}")
    else:
        typer.echo(f"upgraded from revision {_name(before)} to {_name(change.after)}")


@app.command("current")
def current(as_json: JsonFlag = False) -> None:
    """The database's revision and this release's (head)."""
    try:
        state = migrations.state(_url())
    except ByoscError as exc:
        raise _fail(exc) from exc
    if as_json:
        fields = {
            "current": state.current,
            "head": state.head,
            "up_to_date": state.up_to_date,
            "made_before_migrations": state.made_before_migrations,
        }
        typer.echo(json.dumps(fields, indent=2))
        return
    if state.made_before_migrations:
        shown = "none: tables made before migrations (`byosc db upgrade` adopts them)"
    else:
        shown = _name(state.current)
    if state.up_to_date:
        mark = "up to date"
    elif state.current is not None and not migrations.knows(state.current):
        mark = "newer than this release"
    else:
        mark = f"behind: run `{migrations.UPGRADE_COMMAND}`"
    typer.echo(f"revision {shown}; this release: {state.head} ({mark})")


# "-1" is a revision here, not an option.
@app.command("downgrade", context_settings={"ignore_unknown_options": True})
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision: an ID, `-1` for one step, or `base`.")
    ],
) -> None:
    """Downgrade the schema (data in dropped tables and columns is lost)."""
    url = _url()
    try:
        change = migrations.downgrade(url, revision)
    except ByoscError as exc:
        raise _fail(exc) from exc
    typer.echo(f"downgraded from revision {_name(change.before)} to {_name(change.after)}")
