"""Answer evaluation: the chat's own answer path (retrieval, relevance gate, prompt, model,
the answer floor, citations) on a BEIR set indexed into a scratch course, scored against
the set's reference answers (`metadata.answer`) and gold passages (qrels). Unanswerable
questions score the share answered "not covered", by the relevance gate or by the answer.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from byosc.domain import ChatMessage, ChatRequest
from byosc.domain.core import Done
from byosc.eval.answer_metrics import (
    citation_precision,
    embedding_cosine,
    rouge_l_f,
    support,
)
from byosc.eval.beir import BeirSet, Query
from byosc.eval.retrieval import Scratch, index_corpus
from byosc.rag.answer_floor import declines
from byosc.rag.chat import RagChat
from byosc.rag.degenerate import degeneracy
from byosc.rag.extractive import EXTRACTIVE

AnswerMode = Literal["generated", "extractive"]
# Longest answer, in tokens, as `byosc ask` asks for.
MAX_TOKENS = 160


class AnsweredQuestion(BaseModel):
    id: str
    question: str
    answer: str
    reference: str
    model: str
    extractive: bool
    covered: bool
    cited: list[str]
    gold: list[str]
    rouge_l: float | None = None
    cosine: float | None = None
    support: float | None = None
    citation_precision: float | None = None
    degenerate: str | None = None
    seconds: float


class AnswerScores(BaseModel):
    answered: int
    rouge_l: float
    cosine: float
    support: float
    citation_precision: float
    degenerate_rate: float
    degenerate_reasons: dict[str, int]
    extractive_share: float
    unanswerable: int
    not_covered_rate: float
    seconds_per_question: float


class AnswerReport(BaseModel):
    dataset: str
    mode: AnswerMode
    adapter: str | None
    limit: int | None
    scores: AnswerScores
    questions: list[AnsweredQuestion]


def pick(queries: Sequence[Query], limit: int | None) -> list[Query]:
    """`limit` questions spread evenly over the set (every mode gets the same ones)."""
    if limit is None or limit >= len(queries):
        return list(queries)
    return [queries[i * len(queries) // limit] for i in range(limit)]


def evaluate_answers(
    dataset: BeirSet,
    scratch: Scratch,
    chat: RagChat,
    *,
    mode: AnswerMode,
    adapter: str | None = None,
    limit: int | None = None,
) -> AnswerReport:
    passage_of = index_corpus(dataset, scratch)
    answerable = pick([q for q in dataset.answerable if q.answer], limit)
    unanswerable = pick(dataset.unanswerable, limit)
    rows = [
        _answer(chat, scratch, dataset, q, passage_of, use_adapter=adapter is not None)
        for q in [*answerable, *unanswerable]
    ]
    return AnswerReport(
        dataset=dataset.name,
        mode=mode,
        adapter=adapter,
        limit=limit,
        scores=_scores(rows[: len(answerable)], rows[len(answerable) :]),
        questions=rows,
    )


def _answer(
    chat: RagChat,
    scratch: Scratch,
    dataset: BeirSet,
    query: Query,
    passage_of: dict[str, str],
    *,
    use_adapter: bool,
) -> AnsweredQuestion:
    gold = dataset.qrels.get(query.id, {})
    turns = [ChatMessage(role="user", content=t) for t in (*query.history, query.text)]
    request = ChatRequest(
        course_id=scratch.course_id, messages=turns, max_tokens=MAX_TOKENS, use_adapter=use_adapter
    )
    started, fallbacks = time.perf_counter(), chat.extractive_fallbacks
    # Streamed, as the web app asks: generation stops once the answer is cut (a loop).
    *_, done = chat.stream(request)
    assert isinstance(done, Done)
    response = done.response
    seconds = time.perf_counter() - started
    cited = [passage_of[c.document_id] for c in response.citations]
    row = AnsweredQuestion(
        id=query.id,
        question=query.text,
        answer=response.answer,
        reference=query.answer,
        model=response.model,
        extractive=response.model == EXTRACTIVE or chat.extractive_fallbacks > fallbacks,
        covered=response.covered and not declines(response.answer),
        cited=cited,
        gold=sorted(gold),
        seconds=round(seconds, 2),
    )
    if not gold or not response.covered:
        return row
    embed = scratch.embedder.embed_documents
    # A citation carries a snippet; support is judged against the whole cited passage.
    passages = {c.n: dataset.corpus[passage_of[c.document_id]].text for c in response.citations}
    return row.model_copy(
        update={
            "rouge_l": round(rouge_l_f(response.answer, query.answer), 4),
            "cosine": round(embedding_cosine(response.answer, query.answer, embed), 4),
            "support": _rounded(support(response.answer, passages, embed)),
            "citation_precision": _rounded(citation_precision(cited, set(gold))),
            "degenerate": degeneracy(response.answer, query.text),
        }
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _scores(
    answerable: list[AnsweredQuestion], unanswerable: list[AnsweredQuestion]
) -> AnswerScores:
    judged = [r for r in answerable if r.rouge_l is not None]

    def mean(values: Sequence[float | None]) -> float:
        present = [v for v in values if v is not None]
        return round(sum(present) / len(present), 4) if present else 0.0

    reasons = Counter(r.degenerate for r in judged if r.degenerate)
    everything = [*answerable, *unanswerable]
    return AnswerScores(
        answered=len(answerable),
        rouge_l=mean([r.rouge_l for r in judged]),
        cosine=mean([r.cosine for r in judged]),
        support=mean([r.support for r in judged]),
        citation_precision=mean([r.citation_precision for r in judged]),
        degenerate_rate=round(sum(reasons.values()) / len(judged), 4) if judged else 0.0,
        degenerate_reasons=dict(reasons),
        extractive_share=round(sum(r.extractive for r in judged) / len(judged), 4)
        if judged
        else 0.0,
        unanswerable=len(unanswerable),
        not_covered_rate=mean([0.0 if r.covered else 1.0 for r in unanswerable]),
        seconds_per_question=mean([r.seconds for r in everything]),
    )
