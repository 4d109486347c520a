"""The page-fusion grid: nDCG@10 of weighted RRF for every k and dense weight, on each set.

Each query's dense and BM25 rankings are computed once (as the chat computes them: the
follow-up rewriter, spelling correction for BM25) and fused for every setting, so the grid
costs one retrieval per query. The baseline is dense alone on the same index, in the same
process. The first set is the tuning set: the setting it ranks first is the one to choose,
and the JSON says where the default ranks and what each setting gives on the other sets.

Run: python bench/retrieval_grid.py [SET...]  (writes bench/results/retrieval_grid.json;
default: real-decks, then the sample course's two sets and r-intro)
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result

from byosc.adapters import Adapters
from byosc.domain import Course, ScoredChunk
from byosc.eval.beir import BeirSet, load_beir
from byosc.eval.metrics import ndcg_at
from byosc.eval.retrieval import DEPTH, Scratch, index_corpus, standalone_query
from byosc.rag.course_spelling import CourseSpellers
from byosc.rag.fusion import PAGE_RRF_K, PAGE_RRF_WEIGHTS, fuse_pages
from byosc.rag.retrieve import Retriever
from byosc.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SETS = [
    EXAMPLES / "real-decks" / "eval",
    EXAMPLES / "sample-course" / "eval" / "course",
    EXAMPLES / "sample-course" / "eval" / "students",
    EXAMPLES / "r-intro" / "eval",
]
KS = (1, 2, 3, 5, 10, 20, 60)
DENSE_WEIGHTS = (1.0, 1.5, 2.0, 3.0, 4.0)

Sides = tuple[list[list[ScoredChunk]], dict[str, float]]


def setting(k: float, weight: float) -> str:
    return f"k {k:g}, dense {weight:g}:1"


def grid_scores(dataset: BeirSet, scratch: Scratch, retriever: Retriever) -> dict[str, float]:
    passage_of = index_corpus(dataset, scratch)
    judged: list[tuple[dict[str, int], Sides]] = []
    for query in dataset.answerable:
        text = standalone_query(query)
        vector = scratch.embedder.embed_query(text)
        lexical = retriever.corrected(scratch.course_id, text)
        sides = retriever.rankings(scratch.course_id, vector, lexical, DEPTH)
        judged.append((dataset.qrels[query.id], sides))

    def ndcg(rank: list[ScoredChunk], relevant: dict[str, int]) -> float:
        ranked = list(dict.fromkeys(passage_of[c.chunk.document_id] for c in rank))
        return ndcg_at(10, ranked, relevant)

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4)

    scores = {"dense": mean([ndcg(sides[0][0], rel) for rel, sides in judged])}
    for k, weight in itertools.product(KS, DENSE_WEIGHTS):
        fused = [
            ndcg(fuse_pages(side, cosine, k=k, weights=(weight, 1.0))[:DEPTH], rel)
            for rel, (side, cosine) in judged
        ]
        scores[setting(k, weight)] = mean(fused)
    return scores


def main(folders: list[Path]) -> None:
    results: dict[str, dict[str, float]] = {}
    for n, folder in enumerate(folders):
        dataset = load_beir(folder)
        with tempfile.TemporaryDirectory(prefix="byosc-grid-") as scratch_dir:
            settings = Settings(data_dir=Path(scratch_dir))
            with Adapters(settings) as adapters:
                course = adapters.catalog.create_course(Course(id=f"grid-{n}", name=dataset.name))
                scratch = Scratch(adapters.pipeline, course.id)
                speller = CourseSpellers(adapters.pipeline.catalog, adapters.pipeline.index)
                retriever = Retriever(scratch.embedder, scratch.index, settings.rag, None, speller)
                results[dataset.name] = grid_scores(dataset, scratch, retriever)
    tuning = next(iter(results))
    order = sorted((s for s in results[tuning] if s != "dense"), key=lambda s: -results[tuning][s])
    default = setting(PAGE_RRF_K, PAGE_RRF_WEIGHTS[0])

    def row(name: str) -> dict[str, Any]:
        return {
            data: {"ndcg_at_10": scores[name], "vs_dense": round(scores[name] / scores["dense"], 4)}
            for data, scores in results.items()
        }

    write_result(
        "retrieval_grid",
        {
            "tuning_set": tuning,
            "dense": {data: scores["dense"] for data, scores in results.items()},
            "best_on_tuning_set": order[0],
            "default": default,
            "default_rank_on_tuning_set": order.index(default) + 1,
            "top": {name: row(name) for name in order[:10]},
            "default_row": row(default),
        },
    )


if __name__ == "__main__":
    main([Path(arg) for arg in sys.argv[1:]] or SETS)
