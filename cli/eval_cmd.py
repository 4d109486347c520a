"""`byosc eval retrieval`: retrieval quality of each variant on BEIR-layout data sets;
`byosc eval answers`: answer quality of the chat on those with reference answers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from byosc.adapters import Adapters
from byosc.bootstrap import open_reranker
from byosc.domain import Course
from byosc.eval.beir import load_beir
from byosc.eval.retrieval import VARIANTS, RetrievalReport, Scratch, evaluate
from byosc.settings import Settings
from cli import answer_eval

app = typer.Typer(help="Measure retrieval quality on evaluation sets.", no_args_is_help=True)


def run_retrieval_eval(folders: list[Path], variants: list[str]) -> list[RetrievalReport]:
    """Indexes each set into a scratch course of a throwaway data directory."""
    unknown = sorted(set(variants) - VARIANTS.keys())
    if unknown:
        raise typer.BadParameter(f"unknown variants {unknown}; choose from {sorted(VARIANTS)}")
    datasets = [load_beir(folder) for folder in folders]
    with tempfile.TemporaryDirectory(prefix="byosc-eval-") as scratch_dir:
        settings = Settings(data_dir=Path(scratch_dir))
        with Adapters(settings) as adapters:
            reports = []
            for n, dataset in enumerate(datasets):
                course = adapters.catalog.create_course(Course(id=f"eval-{n}", name=dataset.name))
                scratch = Scratch(adapters.pipeline, course.id)
                reranker = open_reranker(settings)
                reports.append(
                    evaluate(dataset, scratch, settings.rag, variants, reranker=reranker)
                )
            return reports


@app.command("retrieval")
def retrieval(
    folders: Annotated[list[Path], typer.Argument(help="BEIR data set folders")],
    variant: Annotated[
        list[str] | None, typer.Option("--variant", help=f"Any of {', '.join(VARIANTS)}")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """nDCG@10, Recall@5/10/100, MRR@10 and latency per retrieval variant."""
    reports = run_retrieval_eval(folders, variant or list(VARIANTS))
    if as_json:
        typer.echo("[" + ",\n".join(r.model_dump_json(indent=2) for r in reports) + "]")
        return
    for report in reports:
        show(report)


@app.command("answers")
def answers(
    folders: Annotated[list[Path], typer.Argument(help="BEIR data set folders")],
    limit: Annotated[
        int | None,
        typer.Option(help="Questions of each kind per set, spread evenly (the same every run)"),
    ] = None,
    mode: Annotated[
        str, typer.Option(help="generated (the model, with the extractive fallback) or extractive")
    ] = "generated",
    adapter: Annotated[
        bool,
        typer.Option(
            "--adapter/--no-adapter",
            help="Answer with a course adapter: --adapter-dir, or the newest of --course",
        ),
    ] = False,
    adapter_dir: Annotated[Path | None, typer.Option(help="A trained adapter's directory")] = None,
    course: Annotated[
        str, typer.Option(help="Course whose newest adapter --adapter takes")
    ] = "cs140",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Correctness (ROUGE-L, embedding cosine), support, citation precision, degenerate
    answers and "not covered" answers to unanswerable questions."""
    if mode not in ("generated", "extractive"):
        raise typer.BadParameter(f"unknown mode {mode}; choose generated or extractive")
    if adapter and mode == "extractive":
        raise typer.BadParameter("the extractive mode uses no model, so no adapter")
    adapter = adapter or adapter_dir is not None
    if adapter and adapter_dir is None:
        adapter_dir = answer_eval.newest_adapter(course)
    reports = answer_eval.run_answer_eval(
        folders,
        "generated" if mode == "generated" else "extractive",
        limit=limit,
        adapter_dir=adapter_dir if adapter else None,
    )
    if as_json:
        typer.echo("[" + ",\n".join(r.model_dump_json(indent=2) for r in reports) + "]")
        return
    for report in reports:
        answer_eval.show(report)


def show(report: RetrievalReport) -> None:
    typer.echo(
        f"\n{report.dataset}: {report.passages} passages, {report.chunks} chunks, "
        f"{report.answerable} answerable and {report.unanswerable} unanswerable questions"
    )
    typer.echo(f"{'variant':<12} nDCG@10  R@5    R@10   R@100  MRR@10  p50 ms  p99 ms")
    for name, s in report.variants.items():
        typer.echo(
            f"{name:<12} {s.ndcg_at_10:.4f}   {s.recall_at_5:.3f}  {s.recall_at_10:.3f}  "
            f"{s.recall_at_100:.3f}  {s.mrr_at_10:.4f}  {s.latency_ms_p50:6.1f}  "
            f"{s.latency_ms_p99:6.1f}"
        )
    if report.threshold is not None:
        t = report.threshold
        typer.echo(
            f"relevance threshold {t.min_relevance:.3f}: keeps {t.answerable_kept:.0%} of "
            f"answerable questions, refuses {t.unanswerable_refused:.0%} of unanswerable ones"
        )
