"""Retrieval evaluation: index a BEIR corpus through the ingest path into a scratch course,
run every query under each retrieval variant, and score the rankings.

Passages are indexed as course files are: chunked, embedded, BM25-encoded, each passage a
document of its own whose title is the passage's title (the file's title in a corpus built
from course files) and whose one section keeps the passage's heading and page, so its
chunks carry the same context as the file's would. A ranking of chunks becomes a ranking
of passages by each passage's best chunk.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from pydantic import BaseModel, Field

from byosc.domain import ChatMessage, Section
from byosc.eval.beir import BeirSet, Query
from byosc.eval.metrics import mrr_at, ndcg_at, percentile, recall_at
from byosc.ingest import Pipeline, index_document
from byosc.ports import Embedder, Extracted, SearchIndex
from byosc.rag.conversation import KeywordRewriter, QueryRewriter
from byosc.rag.course_spelling import CourseSpellers
from byosc.rag.rerank import Reranker
from byosc.rag.retrieve import Retriever
from byosc.settings import RagSettings

DEPTH = 100
# Share of answerable questions the calibrated relevance threshold must still answer.
KEEP = 0.95
# What each variant changes in the chat's retrieval settings. "hybrid" is the default;
# "hybrid-engine" was the default before page fusion and spelling correction.
_OFF: dict[str, object] = {"mmr_lambda": None, "spelling": "off", "fusion": "pages"}
VARIANTS: dict[str, dict[str, object]] = {
    "dense": {**_OFF, "mode": "dense"},
    "bm25": {**_OFF, "mode": "sparse"},
    "bm25+spell": {**_OFF, "mode": "sparse", "spelling": "lexical"},
    "hybrid": {**_OFF, "mode": "hybrid", "spelling": "lexical"},
    "hybrid-nospell": {**_OFF, "mode": "hybrid"},
    "hybrid-spell-both": {**_OFF, "mode": "hybrid", "spelling": "both"},
    "hybrid-engine": {**_OFF, "mode": "hybrid", "fusion": "engine"},
    "hybrid-dbsf": {**_OFF, "mode": "hybrid-dbsf"},
    "hybrid+mmr": {**_OFF, "mode": "hybrid", "spelling": "lexical", "mmr_lambda": 0.7},
}


class Scores(BaseModel):
    ndcg_at_10: float
    recall_at_5: float
    recall_at_10: float
    recall_at_100: float
    mrr_at_10: float
    latency_ms_p50: float
    latency_ms_p99: float
    ndcg_at_10_by_kind: dict[str, float]


class Threshold(BaseModel):
    """A relevance cut and what it does on the evaluation set."""

    min_relevance: float
    answerable_kept: float
    unanswerable_refused: float


class RetrievalReport(BaseModel):
    dataset: str
    passages: int
    chunks: int
    answerable: int
    unanswerable: int
    variants: dict[str, Scores]
    threshold: Threshold | None
    relevance: dict[str, float] = Field(
        description="Per query: the best candidate's cosine similarity to it (first variant)."
    )


@dataclass
class Scratch:
    """Where the evaluation indexes its corpus: a course of its own."""

    pipeline: Pipeline
    course_id: str

    @property
    def embedder(self) -> Embedder:
        return self.pipeline.embedder

    @property
    def index(self) -> SearchIndex:
        return self.pipeline.index


def index_corpus(dataset: BeirSet, scratch: Scratch) -> dict[str, str]:
    """Ingests every passage; returns passage ID by document ID."""
    passages: dict[str, str] = {}
    for n, passage in enumerate(dataset.corpus.values()):
        section = Section(text=passage.text, heading=passage.heading or None, page=passage.page)
        extracted = Extracted(
            media_type="text/plain", title=passage.title or passage.id, sections=[section]
        )
        # The passage is already extracted: the pipeline's extractor is skipped.
        pipeline = replace(scratch.pipeline, extract=_already(extracted))
        name = f"p{n:05d}.txt"
        document = index_document(pipeline, scratch.course_id, name, passage.text.encode())
        passages[document.id] = passage.id
    return passages


def _already(extracted: Extracted) -> Callable[[bytes, str], Extracted]:
    return lambda _data, _name: extracted


def standalone_query(query: Query, rewriter: QueryRewriter | None = None) -> str:
    """What the chat would search for: a follow-up is rewritten with its earlier turns."""
    turns = [ChatMessage(role="user", content=text) for text in (*query.history, query.text)]
    return (rewriter or KeywordRewriter()).rewrite(turns)


def evaluate(
    dataset: BeirSet,
    scratch: Scratch,
    base: RagSettings,
    variants: list[str],
    *,
    rewrite: Callable[[Query], str] | None = None,
    reranker: Reranker | None = None,
) -> RetrievalReport:
    rewrite = rewrite or standalone_query
    passage_of = index_corpus(dataset, scratch)
    results: dict[str, Scores] = {}
    relevance: dict[str, float] = {}
    speller = CourseSpellers(scratch.pipeline.catalog, scratch.index)
    for name in variants:
        settings = base.model_copy(update={**VARIANTS[name], "candidates": DEPTH})
        retriever = Retriever(scratch.embedder, scratch.index, settings, reranker, speller)
        results[name], seen = _run(dataset, scratch.course_id, retriever, passage_of, rewrite)
        # The best candidate's cosine barely depends on the variant: take the first's.
        relevance = relevance or seen
    return RetrievalReport(
        dataset=dataset.name,
        passages=len(dataset.corpus),
        chunks=scratch.index.count(scratch.course_id),
        answerable=len(dataset.answerable),
        unanswerable=len(dataset.unanswerable),
        variants=results,
        threshold=calibrate(*split_relevance(dataset, relevance)),
        relevance={k: round(v, 4) for k, v in relevance.items()},
    )


def _run(
    dataset: BeirSet,
    course_id: str,
    retriever: Retriever,
    passage_of: dict[str, str],
    rewrite: Callable[[Query], str],
) -> tuple[Scores, dict[str, float]]:
    per_query: list[tuple[Query, list[str]]] = []
    latencies: list[float] = []
    relevance: dict[str, float] = {}
    for query in dataset.queries:
        started = time.perf_counter()
        found = retriever.retrieve(course_id, rewrite(query), DEPTH)
        latencies.append((time.perf_counter() - started) * 1000)
        relevance[query.id] = found.relevance
        ranked = list(dict.fromkeys(passage_of[c.chunk.document_id] for c in found.chunks))
        per_query.append((query, ranked))
    return _scores(dataset, per_query, latencies), relevance


def _scores(
    dataset: BeirSet, per_query: list[tuple[Query, list[str]]], latencies: list[float]
) -> Scores:
    judged = [(q, ranked, dataset.qrels[q.id]) for q, ranked in per_query if q.id in dataset.qrels]

    def mean(
        metric: Callable[[list[str], dict[str, int]], float], kind: str | None = None
    ) -> float:
        values = [metric(r, rel) for q, r, rel in judged if kind is None or q.kind == kind]
        return round(sum(values) / len(values), 4) if values else 0.0

    kinds = sorted({q.kind for q, _, _ in judged if q.kind})
    return Scores(
        ndcg_at_10=mean(lambda r, rel: ndcg_at(10, r, rel)),
        recall_at_5=mean(lambda r, rel: recall_at(5, r, rel)),
        recall_at_10=mean(lambda r, rel: recall_at(10, r, rel)),
        recall_at_100=mean(lambda r, rel: recall_at(100, r, rel)),
        mrr_at_10=mean(lambda r, rel: mrr_at(10, r, rel)),
        latency_ms_p50=round(percentile(latencies, 50), 2),
        latency_ms_p99=round(percentile(latencies, 99), 2),
        ndcg_at_10_by_kind={k: mean(lambda r, rel: ndcg_at(10, r, rel), k) for k in kinds},
    )


def split_relevance(
    dataset: BeirSet, relevance: dict[str, float]
) -> tuple[list[float], list[float]]:
    """Relevance of the answerable questions, and of the unanswerable ones."""
    return (
        [relevance[q.id] for q in dataset.answerable if q.id in relevance],
        [relevance[q.id] for q in dataset.unanswerable if q.id in relevance],
    )


def calibrate(
    kept: list[float], refused: list[float], keep_at_least: float = KEEP
) -> Threshold | None:
    """The highest cut that still keeps `keep_at_least` of the answerable questions (relevance
    at or above it): refusing a question the material answers costs a student more than a
    weak answer the prompt already tells the model to decline."""
    if not kept or not refused:
        return None
    values = sorted(set(kept + refused))
    cuts = [values[0]] + [(a + b) / 2 for a, b in itertools.pairwise(values)]

    def kept_share(cut: float) -> float:
        return sum(v >= cut for v in kept) / len(kept)

    best = max(cut for cut in cuts if kept_share(cut) >= keep_at_least)
    return Threshold(
        min_relevance=round(best, 4),
        answerable_kept=round(kept_share(best), 4),
        unanswerable_refused=round(sum(v < best for v in refused) / len(refused), 4),
    )
