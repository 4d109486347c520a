"""What `byosc eval answers` runs: each set indexed into a scratch course of a throwaway
data directory and answered by the chat built as `byosc ask` builds it (the in-process
model for the generated mode, with a course adapter when asked)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from byosc.bootstrap import open_rag_chat
from byosc.domain import Course
from byosc.eval.answers import AnswerMode, AnswerReport, evaluate_answers
from byosc.eval.beir import load_beir
from byosc.eval.retrieval import Scratch
from byosc.settings import Settings
from cli.runtime import Runtime

# The served name the evaluated adapter is loaded under.
ADAPTER_NAME = "eval-adapter"


def run_answer_eval(
    folders: list[Path],
    mode: AnswerMode,
    *,
    limit: int | None,
    adapter_dir: Path | None,
) -> list[AnswerReport]:
    datasets = [load_beir(folder) for folder in folders]
    with tempfile.TemporaryDirectory(prefix="byosc-eval-") as scratch_dir:
        base = Settings()
        rag = base.rag.model_copy(update={"answer_mode": mode})
        settings = base.model_copy(update={"data_dir": Path(scratch_dir), "rag": rag})
        with Runtime(settings, llm=mode == "generated") as rt:
            adapter = None
            if adapter_dir is not None:
                rt.model.load_adapter(ADAPTER_NAME, adapter_dir)  # type: ignore[attr-defined]
                adapter = ADAPTER_NAME
            chat = open_rag_chat(
                rt.settings,
                rt.catalog,
                rt.embedder,
                rt.index,
                rt.model,
                adapter_for=lambda _course: adapter,
            )
            reports = []
            for n, dataset in enumerate(datasets):
                course = rt.catalog.create_course(Course(id=f"eval-{n}", name=dataset.name))
                scratch = Scratch(rt.pipeline, course.id)
                report = evaluate_answers(
                    dataset,
                    scratch,
                    chat,
                    mode=mode,
                    limit=limit,
                    adapter=str(adapter_dir) if adapter_dir else None,
                )
                reports.append(report)
            return reports


def newest_adapter(course_id: str) -> Path:
    """The newest adapter trained for the course in the configured data directory, promoted
    or not (a tiny CPU-trained one rarely beats the base model)."""
    with Runtime() as rt:
        records = rt.adapter_registry.list(course_id)
        if not records:
            raise typer.BadParameter(
                f"course {course_id} has no trained adapter in {rt.settings.data_path}; "
                "train one (`byosc train`) or pass --adapter-dir"
            )
        newest = max(records, key=lambda r: r.version)
        return rt.artifacts.fetch_dir(newest.uri, rt.settings.data_path / "adapters-fetched")


def show(report: AnswerReport) -> None:
    s = report.scores
    adapter = f", adapter {report.adapter}" if report.adapter else ""
    typer.echo(f"\n{report.dataset} ({report.mode}{adapter}): {s.answered} answerable questions")
    typer.echo(
        f"ROUGE-L F {s.rouge_l:.3f}  cosine {s.cosine:.3f}  support {s.support:.3f}  "
        f"citation precision {s.citation_precision:.3f}"
    )
    typer.echo(
        f"degenerate {s.degenerate_rate:.1%} {s.degenerate_reasons or ''}  extractive "
        f"{s.extractive_share:.0%}  {s.seconds_per_question:.1f} s a question"
    )
    typer.echo(f"{s.unanswerable} unanswerable questions: {s.not_covered_rate:.0%} not covered")
