"""`byosc train` and `byosc adapters`: course adapters from the terminal.

Training goes through the job queue like a refresh (a worker is started for the length of
the command when none runs); the adapter is evaluated against the base model and promoted
only if it passes the rule in settings.
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from byosc.errors import ByoscError
from byosc.jobs.control import start_job
from byosc.jobs.training import training_params
from byosc.settings import Settings
from byosc.training.models import AdapterRecord, ModelScores
from byosc.training.publishing.models import AdapterPublication
from cli.progress import watch_job
from cli.runtime import Runtime

app = typer.Typer(help="A course's LoRA adapters: list, show, promote, roll back, publish.")
CourseOpt = Annotated[str, typer.Option("--course", "-c", help="Course ID.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg="red", err=True)
    return typer.Exit(code=1)


def train(
    course: CourseOpt,
    dataset_version: Annotated[
        int | None, typer.Option(help="Dataset version (default: the latest).")
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many steps.")] = None,
    epochs: Annotated[float | None, typer.Option(help="Passes over the training split.")] = None,
    rank: Annotated[int | None, typer.Option(help="LoRA rank.")] = None,
    learning_rate: Annotated[float | None, typer.Option(help="Peak learning rate.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Train a LoRA adapter on the course's dataset, evaluate it against the base model, and
    promote it if it passes. Exit code: 0 promoted, 2 trained but not promoted, 1 failed."""
    from services.common.jobqueue import open_job_queue
    from services.ingest.embedded import EmbeddedWorker

    given = {"max_steps": max_steps, "epochs": epochs, "rank": rank, "learning_rate": learning_rate}
    settings = Settings()
    try:
        hp = {k: v for k, v in given.items() if v is not None}
        params = training_params(settings, dataset_version, hp)
    except ValidationError as exc:
        raise _fail(str(exc)) from exc
    with Runtime(settings) as rt:
        if rt.catalog.get_course(course) is None:
            raise _fail(f"course {course} does not exist")
        with EmbeddedWorker(settings) as embedded:
            queue = open_job_queue(settings)
            try:
                job, created = start_job(
                    rt.jobs, settings, course, "train", queue.enqueue_train, params
                )
                if not created and embedded.started:
                    queue.enqueue_train(job.id)  # its worker died: this one resumes it
                job = watch_job(rt.jobs, job.id, show=not as_json, alive=embedded.alive)
            except ByoscError as exc:
                raise _fail(str(exc)) from exc
            finally:
                queue.close()
        if job.state != "succeeded":
            raise _fail(job.error or f"training job {job.id} {job.state}")
        record = rt.adapter_registry.list(course)[0]  # one training job per course at a time
    typer.echo(record.model_dump_json(indent=2)) if as_json else show_adapter(record)
    raise typer.Exit(code=0 if record.state == "active" else 2)


@app.command("list")
def list_adapters(course: CourseOpt, as_json: JsonFlag = False) -> None:
    """The course's adapters, newest first, with their evaluation and hub publication."""
    with Runtime() as rt:
        views = rt.adapter_publications.views(rt.adapter_registry.list(course))
        active = rt.adapter_registry.active(course)
    if as_json:
        typer.echo("[" + ",".join(v.model_dump_json() for v in views) + "]")
        return
    for v in views:
        mark = "*" if active is not None and v.name == active.name else " "
        passed = "passed" if v.evaluation and v.evaluation.passed else "failed"
        line = f"{mark} {v.name}\t{v.state}\tdataset v{v.dataset_version}\teval {passed}"
        typer.echo(line + (f"\t{publication_line(v.publication)}" if v.publication else ""))


@app.command("show")
def show(name: str, as_json: JsonFlag = False) -> None:
    """An adapter's training figures, its evaluation against the base model, and where it is
    published."""
    with Runtime() as rt:
        try:
            [view] = rt.adapter_publications.views([rt.adapter_registry.get(name)])
        except ByoscError as exc:
            raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    show_adapter(view)
    if view.publication is not None:
        typer.echo(f"\nhub: {publication_line(view.publication)}")


@app.command("publish")
def publish(
    name: str,
    repo: Annotated[
        str | None,
        typer.Option(
            help="Hub repository (owner/name); default: training.hub's namespace "
            "and prefix before the adapter's name."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Upload a promoted adapter with its model card to the model hub in training.hub
    (private unless training.hub.private is false). A failure is recorded on the adapter."""
    with Runtime() as rt:
        try:
            publication = rt.hub_publisher.publish(rt.adapter_registry.get(name), repo)
        except ByoscError as exc:
            raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(publication.model_dump_json(indent=2))
        return
    typer.echo(f"{name}: {publication_line(publication)}")


def publication_line(publication: AdapterPublication) -> str:
    visibility = "private" if publication.private else "public"
    if publication.state == "published":
        return f"published to {publication.url} ({visibility}, commit {publication.revision})"
    if publication.state == "failed":
        return f"publishing to {publication.repo_id} failed: {publication.error}"
    return f"publishing to {publication.repo_id} since {publication.attempted_at:%Y-%m-%d %H:%M}"


@app.command("promote")
def promote(
    name: str,
    force: Annotated[bool, typer.Option(help="Promote even if it failed its evaluation.")] = False,
) -> None:
    """Make the adapter its course's active one (loaded into the model server if it runs)."""
    with Runtime() as rt:
        try:
            record = rt.adapter_serving.promote_or_defer(name, force=force)
        except ByoscError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"{record.name} is the active adapter of {record.course_id}")


@app.command("rollback")
def rollback(course: CourseOpt) -> None:
    """Make the adapter the active one replaced active again."""
    with Runtime() as rt:
        try:
            restored, demoted = rt.adapter_serving.rollback(course)
        except ByoscError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"{restored.name} is active again; {demoted.name} is retired")


def show_adapter(record: AdapterRecord) -> None:
    typer.echo(f"{record.name}: {record.state}, dataset v{record.dataset_version}")
    if record.training is not None:
        t = record.training
        typer.echo(
            f"trained {t.steps} steps in {t.seconds:.0f} s ({t.tokens_per_s:.0f} tokens/s), "
            f"loss {t.losses[0]:.3f} -> {t.losses[-1]:.3f}"
        )
    report = record.evaluation
    if report is None:
        return
    typer.echo(f"\nheld-out pairs: {report.pairs}")
    typer.echo(f"{'':26}{'base':>10}{'adapter':>10}")
    for label, field in (
        ("perplexity", "perplexity"),
        ("perplexity with context", "perplexity_with_context"),
        ("ROUGE-L (with context)", "rouge_l"),
        ("similarity (with context)", "similarity"),
    ):
        typer.echo(f"{label:26}{_cell(report.base, field)}{_cell(report.adapter, field)}")
    typer.echo(f"\nrule: {report.rule}")
    for reason in report.reasons:
        typer.echo(f"  - {reason}")
    typer.echo("passed: promoted" if report.passed else "failed: not promoted")


def _cell(scores: ModelScores, field: str) -> str:
    value = getattr(scores, field)
    return f"{value:>10.3f}" if value is not None else f"{'-':>10}"
