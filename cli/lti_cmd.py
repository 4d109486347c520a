"""`byosc lti`: the LTI 1.3 tool's platform registrations and its signing keys, in the
metadata DB the gateway reads (found as `byosc keys` finds it)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from byosc.errors import ByoscError
from byosc.lti.models import Platform, PlatformRequest
from byosc.lti.platforms import SqlPlatformStore
from byosc.lti.tool_keys import SqlToolKeys
from byosc.running_stack import running_stack_dir
from byosc.settings import Settings
from cli.refusals import plain
from cli.runtime import Runtime

app = typer.Typer(
    help="LMS integration (LTI 1.3): platforms and the tool's keys.", no_args_is_help=True
)
platforms_app = typer.Typer(help="Register, list and remove LMS platforms.", no_args_is_help=True)
keys_app = typer.Typer(help="The tool's signing keys.", no_args_is_help=True)
app.add_typer(platforms_app, name="platforms")
app.add_typer(keys_app, name="keys")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _runtime() -> Runtime:
    """BYOSC_DATABASE__URL's DB, else BYOSC_DATA_DIR's, else the running stack's, else the
    default data directory's; said on stderr, where --json output is not."""
    settings = Settings()
    explicit = settings.database.url is not None or settings.data_dir is not None
    if not explicit and (stack_dir := running_stack_dir(settings.home)) is not None:
        settings = settings.model_copy(update={"data_dir": stack_dir})
    where = (settings.database.url and "BYOSC_DATABASE__URL") or settings.data_path.resolve()
    typer.echo(f"LTI tool in the metadata DB of {where}", err=True)
    return Runtime(settings)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg="red", err=True)
    return typer.Exit(code=1)


def _describe(platform: Platform) -> str:
    deployments = ",".join(platform.deployment_ids)
    return f"{platform.id}\t{platform.name}\t{platform.issuer}\t{platform.client_id}\t{deployments}"


@platforms_app.command("add")
def add(
    name: Annotated[str, typer.Option("--name", help="What you call this LMS.")],
    issuer: Annotated[str, typer.Option("--issuer", help="The platform's issuer (iss).")],
    client_id: Annotated[str, typer.Option("--client-id", help="The client ID it gave BYOSC.")],
    deployment_ids: Annotated[
        list[str], typer.Option("--deployment-id", help="A deployment ID; repeat for more.")
    ],
    auth_url: Annotated[str, typer.Option("--auth-url", help="Its OIDC auth request URL.")],
    token_url: Annotated[str, typer.Option("--token-url", help="Its access token URL.")],
    jwks_url: Annotated[str, typer.Option("--jwks-url", help="Its public keyset URL.")],
    embed_origins: Annotated[
        list[str] | None,
        typer.Option("--embed-origin", help="Another origin showing BYOSC in a frame."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a platform (what the LMS shows once BYOSC is added to it)."""
    try:
        request = PlatformRequest(
            name=name,
            issuer=issuer,
            client_id=client_id,
            deployment_ids=deployment_ids,
            auth_url=auth_url,
            token_url=token_url,
            jwks_url=jwks_url,
            embed_origins=embed_origins or [],
        )
    except ValidationError as exc:
        raise _fail(plain(exc)) from exc
    with _runtime() as rt:
        try:
            platform = SqlPlatformStore(rt.catalog.engine).add(request)
        except ByoscError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(platform.model_dump_json(indent=2) if as_json else _describe(platform))


@platforms_app.command("list")
def list_platforms(as_json: JsonFlag = False) -> None:
    """Every registered platform."""
    with _runtime() as rt:
        platforms = SqlPlatformStore(rt.catalog.engine).list()
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in platforms], indent=2))
        return
    for platform in platforms:
        typer.echo(_describe(platform))


@platforms_app.command("remove")
def remove(
    platform_id: Annotated[str, typer.Argument(help="The platform's ID (as `list` shows).")],
    as_json: JsonFlag = False,
) -> None:
    """Remove a platform: its launches are refused; its courses' links stay."""
    with _runtime() as rt:
        try:
            platform = SqlPlatformStore(rt.catalog.engine).remove(platform_id)
        except ByoscError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(platform.model_dump_json(indent=2) if as_json else _describe(platform))


@keys_app.command("rotate")
def rotate(as_json: JsonFlag = False) -> None:
    """A new signing key. The old one stays published at /lti/jwks until the tokens it
    signed have expired; gateways sign with the new one within a minute."""
    settings = Settings().gateway.lti
    with _runtime() as rt:
        key = SqlToolKeys(rt.catalog.engine).rotate(settings.session_ttl_s + settings.leeway_s)
    if as_json:
        typer.echo(json.dumps({"kid": key.kid, "created_at": key.created_at.isoformat()}))
        return
    typer.echo(f"new signing key {key.kid}")
