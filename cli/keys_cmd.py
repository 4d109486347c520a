"""`byosc keys`: API keys for the gateway, made in the metadata DB directly (the way in for
the first admin, and for scripts on the server)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from byosc.auth.key_courses import missing_courses, missing_message
from byosc.auth.models import ApiKey, KeyRequest, Role
from byosc.auth.store import SqlKeyStore
from byosc.errors import NotFound
from byosc.running_stack import running_stack_dir
from byosc.settings import Settings
from cli.refusals import plain
from cli.runtime import Runtime

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _runtime() -> Runtime:
    """On the metadata DB the gateway reads: BYOSC_DATA_DIR's, else that of the stack
    `make up` runs, else the default. Says which on stderr, where --json output is not."""
    settings = Settings()
    if settings.database.url is not None:
        where = "the metadata DB of BYOSC_DATABASE__URL"
    elif settings.data_dir is not None:
        where = f"data directory {settings.data_path.resolve()} (BYOSC_DATA_DIR)"
    elif (stack_dir := running_stack_dir(settings.home)) is not None:
        settings = settings.model_copy(update={"data_dir": stack_dir})
        where = f"data directory {stack_dir} (the running stack's)"
    else:
        where = f"data directory {settings.data_path} (the default: no stack is running)"
    typer.echo(f"keys in {where}", err=True)
    return Runtime(settings)


def _describe(key: ApiKey) -> str:
    scope = "all courses" if key.role == "admin" else ",".join(key.courses) or "no courses"
    state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
    return f"{key.id}\t{key.name}\t{key.role}\t{scope}\t{state}"


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what holds the key.")],
    role: Annotated[Role, typer.Option("--role", help="admin, instructor or client.")],
    courses: Annotated[
        list[str] | None,
        typer.Option("--course", "-c", help="A course the key reaches; repeat for more."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a key and print its token: it is shown this once only."""
    try:
        request = KeyRequest(name=name, role=role, courses=courses or [])
    except ValidationError as exc:
        typer.secho(f"error: {plain(exc)}", fg="red", err=True)
        raise typer.Exit(code=1) from exc
    with _runtime() as rt:
        if missing := missing_courses(rt.catalog.engine, request.courses):
            typer.secho(f"error: {'; '.join(map(missing_message, missing))}", fg="red", err=True)
            raise typer.Exit(code=1)
        issued = SqlKeyStore(rt.catalog.engine).create(request)
    if as_json:
        typer.echo(issued.model_dump_json(indent=2))
        return
    typer.echo(_describe(issued.key))
    typer.echo(f"token (shown once): {issued.token}")


@app.command("list")
def list_keys(as_json: JsonFlag = False) -> None:
    """Every key, revoked ones included; never their tokens."""
    with _runtime() as rt:
        keys = SqlKeyStore(rt.catalog.engine).list()
    if as_json:
        typer.echo(json.dumps([k.model_dump(mode="json") for k in keys], indent=2))
        return
    for key in keys:
        typer.echo(_describe(key))


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's ID (as `byosc keys list` shows).")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a key; gateways refuse it within auth.cache_s seconds."""
    with _runtime() as rt:
        try:
            key = SqlKeyStore(rt.catalog.engine).revoke(key_id)
        except NotFound as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(code=1) from exc
    typer.echo(key.model_dump_json(indent=2) if as_json else _describe(key))
