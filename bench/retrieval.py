"""Retrieval quality on the sample course's evaluation sets, per retrieval variant.

The baseline is dense-only retrieval on the same index in the same process: the JSON gives
each variant's nDCG@10 relative to it, and which variant the settings use by default.

Run: make bench  (writes bench/results/retrieval.json)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result

from byosc.eval.beir import load_beir
from byosc.eval.retrieval import VARIANTS, calibrate, split_relevance
from byosc.settings import RagSettings
from cli.eval_cmd import run_retrieval_eval, show

SETS = Path(__file__).resolve().parents[1] / "examples" / "sample-course" / "eval"
DEFAULT = RagSettings()


def default_variant() -> str:
    """The VARIANTS entry that matches the chat's default retrieval settings."""
    for name, changes in VARIANTS.items():
        if all(getattr(DEFAULT, key) == value for key, value in changes.items()):
            return name
    raise LookupError("no evaluated variant matches the default retrieval settings")


def main() -> None:
    folders = [SETS / "course", SETS / "students"]
    reports = run_retrieval_eval(folders, list(VARIANTS))
    default = default_variant()
    sets: dict[str, Any] = {}
    kept: list[float] = []
    refused: list[float] = []
    for folder, report in zip(folders, reports, strict=True):
        answerable, unanswerable = split_relevance(load_beir(folder), report.relevance)
        kept += answerable
        refused += unanswerable
        show(report)
        dense = report.variants["dense"].ndcg_at_10
        sets[report.dataset] = {
            **report.model_dump(),
            "ndcg_at_10_vs_dense": {
                name: round(s.ndcg_at_10 / dense, 4) if dense else None
                for name, s in report.variants.items()
            },
        }
    both = calibrate(kept, refused)
    figures = {
        "default_variant": default,
        "baseline": "dense",
        # The chat's min_relevance default comes from this: both sets' questions together.
        "threshold_both_sets": both.model_dump() if both else None,
        "min_relevance_default": DEFAULT.min_relevance,
        "sets": sets,
    }
    write_result("retrieval", figures)


if __name__ == "__main__":
    main()
