"""Human-readable output of CLI results (the --json flag prints the models instead)."""

from __future__ import annotations

import typer

from byosc.domain import ChatResponse, Citation, IngestReport, ScoredChunk, page_word
from byosc.rag.citations import snippet
from byosc.rag.prompt import location


def where(c: Citation) -> str:
    parts = [c.filename]
    if c.page is not None:
        parts.append(f"{page_word(c.media_type)} {c.page}")
    if c.start_s is not None:
        parts.append(f"{c.start_s:.0f}s-{(c.end_s or c.start_s):.0f}s")
    if c.heading and c.page is None:
        parts.append(c.heading)
    return ", ".join(parts)


def closeness(relevance: float | None, score: float) -> str:
    """The number to read against the relevance threshold (rag.min_relevance), labelled;
    the ranking's own score, which is not comparable with it, only when that is missing."""
    if relevance is None:
        return f"rank score {score:.2f}"
    return f"relevance {relevance:.2f}"


def show_answer(response: ChatResponse) -> None:
    typer.echo(response.answer)
    if response.covered:
        typer.echo(f"(model: {response.model})")
    if response.citations:
        typer.echo("\nSources:")
    for c in response.citations:
        typer.echo(f"  [{c.n}] {where(c)}  ({closeness(c.relevance, c.score)})")
        typer.echo(f"      {c.snippet}")


def show_report(report: IngestReport) -> None:
    for doc in report.documents:
        typer.echo(f"ingested  {doc.filename}: {doc.sections} sections, {doc.chunks} chunks")
        for warning in doc.warnings:
            typer.echo(f"  warning: {warning}")
    for name in report.unchanged:
        typer.echo(f"unchanged {name}")
    for error in report.errors:
        typer.secho(f"refused   {error.filename}: {error.reason}", fg="red", err=True)


def show_hits(hits: list[ScoredChunk]) -> None:
    for rank, hit in enumerate(hits, start=1):
        typer.echo(f"{rank:2d}. {closeness(hit.relevance, hit.score)}  {location(hit.chunk)}")
        typer.echo(f"    {snippet(hit.chunk.text, 160)}")
