"""Answer quality of the chat per evaluation set and answer mode (`byosc eval answers`):
the extractive mode on every question, the generated mode (base model, and the course
adapter when one is given) on the same evenly spread subset of each set, because the
bundled model writes about 9 tokens/s on 2 cores.

Run: python bench/answers.py [--limit 6] [--adapter-dir DIR]   (writes bench/results/answers.json)
     python bench/answers.py --reports NAME=FILE...  (summarises `byosc eval answers --json`
     outputs made elsewhere, e.g. by another checkout, under NAME)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result

from byosc.eval.answers import AnswerReport
from cli.answer_eval import run_answer_eval

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SETS = [
    EXAMPLES / "sample-course" / "eval" / "course",
    EXAMPLES / "sample-course" / "eval" / "students",
    EXAMPLES / "r-intro" / "eval",
]


def summary(reports: list[AnswerReport]) -> dict[str, Any]:
    return {r.dataset: {"limit": r.limit, **r.scores.model_dump()} for r in reports}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=6, help="questions per set, generated")
    parser.add_argument("--adapter-dir", type=Path, help="a course adapter to measure too")
    parser.add_argument("--reports", nargs="*", default=[], help="NAME=FILE of saved reports")
    args = parser.parse_args()
    sets = [folder for folder in SETS if folder.is_dir()]
    figures: dict[str, Any] = {}
    if args.reports:
        for named in args.reports:
            name, _, path = named.partition("=")
            saved = json.loads(Path(path).read_text())
            figures[name] = summary([AnswerReport.model_validate(r) for r in saved])
    else:
        figures["extractive"] = summary(
            run_answer_eval(sets, "extractive", limit=None, adapter_dir=None)
        )
        figures["generated"] = summary(
            run_answer_eval(sets, "generated", limit=args.limit, adapter_dir=None)
        )
        if args.adapter_dir:
            figures["generated-adapter"] = summary(
                run_answer_eval(sets, "generated", limit=args.limit, adapter_dir=args.adapter_dir)
            )
    write_result("answers", figures)


if __name__ == "__main__":
    main()
