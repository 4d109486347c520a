"""How instruction pairs are generated and which ones the quality gate keeps."""

from __future__ import annotations

from pydantic import BaseModel, Field

from byosc.instructions.models import GeneratorName


class InstructionSettings(BaseModel):
    generator: GeneratorName = Field(
        default="extractive",
        description="extractive: pairs from the material's structure, no model; llm: pairs "
        "written by an OpenAI-compatible model (only with a capable model).",
    )
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint; None: the chat LLM's (llm.base_url)."
    )
    llm_model: str | None = Field(default=None, description="Model name; None: llm.model.")
    api_key: str | None = Field(default=None, description="Bearer token; None: llm.api_key.")
    json_schema: bool = Field(
        default=True,
        description="Ask for a JSON schema response format; turn off for servers that ignore "
        "response_format (the local model server), which then get the format by prompt only.",
    )
    concurrency: int = Field(default=4, ge=1, le=64, description="Requests in flight at once.")
    requests_per_minute: float | None = Field(
        default=None, gt=0, description="Upper bound on requests started per minute; None: none."
    )
    max_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Re-asks after malformed output, and separately retries after transient API "
        "errors (connection, timeout, rate limit, server error), per chunk.",
    )
    backoff_s: float = Field(
        default=1.0, ge=0, description="First wait after a transient API error; doubles each time."
    )
    max_backoff_s: float = Field(default=30.0, ge=0, description="Longest wait between retries.")
    max_pairs_per_chunk: int = Field(default=5, ge=1, le=50, description="Pairs asked per chunk.")
    max_tokens: int = Field(default=768, ge=16, description="Reply budget of one request.")
    temperature: float = Field(default=0.2, ge=0, le=2, description="Sampling temperature.")

    min_question_chars: int = Field(default=10, ge=1, description="Shorter questions: too_short.")
    max_question_chars: int = Field(default=300, ge=1, description="Longer questions: too_long.")
    min_answer_chars: int = Field(default=8, ge=1, description="Shorter answers: too_short.")
    max_answer_chars: int = Field(default=1200, ge=1, description="Longer answers: too_long.")
    min_lexical_overlap: float = Field(
        default=0.75,
        ge=0,
        le=1,
        description="Share of the answer's content words that must occur in its source chunk.",
    )
    min_chunk_similarity: float = Field(
        default=0.15,
        ge=-1,
        le=1,
        description="Cosine similarity between the answer and its source chunk below which the "
        "answer is not grounded.",
    )
    max_question_similarity: float = Field(
        default=0.9,
        ge=-1,
        le=1,
        description="Cosine similarity between two questions of a course above which the later "
        "pair is a duplicate, if its answer is also alike (max_answer_similarity).",
    )
    max_answer_similarity: float = Field(
        default=0.9,
        ge=-1,
        le=1,
        description="Cosine similarity between the answers of two alike questions above which "
        "the later pair is a duplicate; below it, the questions only share a template "
        '("What does Figure 1.1 show?" and "... Figure 1.2 ...").',
    )
    max_answer_in_question: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Share of the answer's content words already in the question at or above "
        "which the answer only repeats the question.",
    )
