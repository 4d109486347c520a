"""The shapes a course adapter moves through: hyperparameters -> training -> evaluation ->
registry record (candidate, then active or rejected; retired when replaced)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from byosc.domain import utcnow

# Attention and MLP projections of Llama-style models (SmolLM2, Llama, Mistral, Qwen).
ALL_PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class Hyperparameters(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt name is an error, not a default

    rank: int = Field(default=8, ge=1, le=256, description="LoRA rank r.")
    alpha: int = Field(default=16, ge=1, description="LoRA alpha (scale = alpha / r).")
    dropout: float = Field(default=0.05, ge=0, lt=1, description="LoRA dropout.")
    target_modules: list[str] = Field(default_factory=lambda: list(ALL_PROJECTIONS))
    learning_rate: float = Field(default=2e-4, gt=0)
    epochs: float = Field(default=1.0, gt=0, description="Passes over the training split.")
    max_steps: int | None = Field(default=None, ge=1, description="Stop after this many steps.")
    batch_size: int = Field(default=4, ge=1, description="Sequences per micro-batch.")
    grad_accumulation: int = Field(default=2, ge=1, description="Micro-batches per step.")
    max_seq_len: int = Field(default=512, ge=32, description="Longer examples are cut.")
    warmup_steps: int = Field(default=0, ge=0)
    seed: int = 0
    qlora: bool = Field(default=False, description="4-bit base (bitsandbytes); CUDA only.")
    checkpoint_every: int = Field(default=20, ge=1, description="Steps between checkpoints.")


class TrainProgress(BaseModel):
    step: int
    total_steps: int
    loss: float | None = None
    tokens_per_s: float | None = None
    eta_s: float | None = None


class TrainResult(BaseModel):
    adapter_dir: str
    steps: int
    tokens: int = Field(description="Tokens processed (prompt and answer), all steps.")
    seconds: float
    losses: list[float] = Field(default_factory=list, description="Training loss per step.")
    resumed_from_step: int | None = None

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


class ModelScores(BaseModel):
    """One model's scores on the held-out pairs."""

    perplexity: float = Field(description="Of the reference answers, no retrieved context.")
    perplexity_with_context: float | None = Field(
        default=None, description="Of the reference answers, with the pair's source chunk."
    )
    rouge_l: float | None = Field(default=None, description="Generated vs reference, F1.")
    similarity: float | None = Field(default=None, description="Embedding cosine, mean.")


class EvalReport(BaseModel):
    pairs: int
    base: ModelScores
    adapter: ModelScores
    rule: str = Field(description="The promotion rule applied, in words.")
    passed: bool
    reasons: list[str] = Field(default_factory=list, description="Why it passed or failed.")


AdapterState = Literal["candidate", "active", "rejected", "retired"]


class AdapterRecord(BaseModel):
    name: str = Field(description="Served name, unique: course id and version, e.g. cs140-v3.")
    course_id: str
    version: int = Field(ge=1)
    state: AdapterState = "candidate"
    dataset_version: int
    base_model: str
    base_model_sha256: str = Field(description="Hash of the base weights it was trained on.")
    hyperparameters: Hyperparameters
    training: TrainResult | None = None
    evaluation: EvalReport | None = None
    uri: str = Field(description="Where the artifact store keeps the adapter directory.")
    created_at: datetime = Field(default_factory=utcnow)
    promoted_at: datetime | None = None
