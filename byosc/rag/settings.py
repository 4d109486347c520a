"""Settings of retrieval-augmented chat: retrieval, reranking, prompt budget, the model's
timeouts and circuit breaker (BYOSC_RAG__*)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from byosc.domain import SearchMode


class RagSettings(BaseModel):
    top_k: int = Field(default=4, ge=1, le=20, description="Sources put in the prompt.")
    snippet_chars: int = Field(default=240, ge=40, description="Length of citation snippets.")
    mode: SearchMode = Field(
        default="hybrid",
        description="Retrieval: dense, sparse (BM25), hybrid (RRF) or hybrid-dbsf. The default "
        "was chosen on the real-decks evaluation set (README, Retrieval quality).",
    )
    fusion: Literal["pages", "engine"] = Field(
        default="pages",
        description="How hybrid mode fuses its dense and BM25 rankings: pages, here, page by "
        "page with ties to the page closer by cosine (byosc.rag.fusion); engine, the index "
        "engine's RRF over chunks (ties in storage order).",
    )
    spelling: Literal["off", "lexical", "both"] = Field(
        default="lexical",
        description="Query words the course's BM25 index does not hold are corrected to the "
        "closest course word (5+ letters, 1 edit; 8+ letters, 2 edits): off; lexical, for the "
        "BM25 side only; both, the corrected query is also the one embedded.",
    )
    candidates: int = Field(
        default=20, ge=1, le=200, description="Chunks fetched before reranking picks top_k."
    )
    mmr_lambda: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Maximal marginal relevance: 1 keeps the ranking, lower trades relevance "
        "for diversity; None turns it off.",
    )
    rerank_model: Path | None = Field(
        default=None,
        description="Local sentence-transformers CrossEncoder directory; None: no cross-encoder.",
    )
    query_rewriter: Literal["keywords", "llm"] = Field(
        default="keywords",
        description="How a follow-up question becomes a standalone search query: word rules, "
        "or the chat model (only with a capable model; unusable replies fall back to the rules).",
    )
    history_tokens: int = Field(
        default=1024,
        ge=0,
        description="Tokens for the system messages, the latest question and earlier turns in "
        "the prompt, counted with the model's tokenizer; the oldest turns are dropped first.",
    )
    min_relevance: float = Field(
        default=0.23,
        ge=-1.0,
        le=1.0,
        description="Best chunk's cosine similarity to the question below which the answer is "
        "that the material does not cover it (calibrated with `byosc eval retrieval`).",
    )
    answer_mode: Literal["generated", "extractive"] = Field(
        default="generated",
        description="generated: the model writes the answer; one that is degenerate (empty, "
        "looping, filler, the question said back) or cites no source with an [n] marker keeps "
        "its longest start that passes, or else is replaced by the extractive answer. "
        "extractive: no model call; the answer is the top passages' sentences closest to the "
        "question, with their markers (CPU-only installs).",
    )
    repeat_span_words: int = Field(
        default=8,
        ge=0,
        description="An answer ends where it starts repeating itself (a run of this many "
        "words, or a sentence, it already said), at the end of the sentence before; a stream "
        "holds back the sentence being written and this many words until they cannot be "
        "cut. 0: answers are never cut.",
    )
    model_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="Longest a chat waits for the model server (one try, no retry) before "
        "answering with the retrieved passages instead. A non-streamed answer must be "
        "generated whole within it: the bundled model on a 2-core CPU takes 20-40 s for a "
        "long one; a GPU server answers in seconds, so production may lower it.",
    )
    breaker_failures: int = Field(
        default=3,
        ge=1,
        description="Model server failures in a row after which chats stop calling it and "
        "answer with the passages at once.",
    )
    breaker_open_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds chats leave a failing model server alone before one probe call "
        "checks whether it answers again.",
    )
