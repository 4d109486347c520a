"""How course adapters are trained, evaluated against the base model, promoted and stored."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator

from byosc.training.models import Hyperparameters

PromotionRule = Literal["perplexity_and_answers", "perplexity", "answers", "always"]


class EvalSettings(BaseModel):
    max_pairs: int = Field(
        default=64,
        ge=1,
        description="Held-out pairs evaluated at most (test split first, then validation).",
    )
    max_new_tokens: int = Field(
        default=64,
        ge=0,
        description="Longest generated answer scored against the reference; 0: no generation "
        "(answer scores are then not measured).",
    )
    batch_size: int = Field(
        default=8,
        ge=1,
        description="Held-out prompts per batch; each is read for the base model and for the "
        "adapter in the same forward pass, so a batch holds twice as many sequences.",
    )
    rule: PromotionRule = Field(
        default="perplexity_and_answers",
        description="perplexity_and_answers: the adapter's held-out perplexity (with the source "
        "chunk where available) is lower than the base model's and its generated answers, with "
        "retrieved context, score no lower (ROUGE-L and similarity); perplexity or answers: "
        "only that half; always: promote every adapter that trained.",
    )
    answer_tolerance: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="How far below the base's ROUGE-L and similarity the adapter may score and "
        "still count as no lower.",
    )


class HubSettings(BaseModel):
    """Where promoted adapters are published (a Hugging Face Hub), and when."""

    endpoint: str = Field(
        default="https://huggingface.co",
        description="The Hub's URL; a private Hub or a test server elsewhere.",
    )
    token: SecretStr | None = Field(
        default=None, description="A Hub access token with write access to the namespace."
    )
    namespace: str | None = Field(
        default=None,
        description="Organisation or user the repositories are made in; None: the token's user.",
    )
    repo_prefix: str = Field(
        default="byosc-",
        description="Repository name before the adapter's name, e.g. byosc-cs140-v3.",
    )
    private: bool = Field(
        default=True,
        description="Make new repositories private: adapters learn from course material that "
        "may not be free to share.",
    )
    publish_on_promotion: bool = Field(
        default=False,
        description="Publish each adapter as it is promoted; a failed upload is recorded on the "
        "adapter and never undoes the promotion.",
    )
    base_model_id: str | None = Field(
        default=None,
        description="The base model's Hub ID for the model card (e.g. "
        "meta-llama/Llama-3.1-8B-Instruct); None: the served name when it is one, or the "
        "bundled model's.",
    )
    license: str | None = Field(
        default=None,
        description="License identifier for the model card (e.g. cc-by-4.0), when the course "
        "material's terms allow one; None: no license is declared.",
    )
    timeout_s: float = Field(
        default=120.0, gt=0, description="Longest wait for one request to the Hub."
    )

    @model_validator(mode="after")
    def _publishing_needs_a_token(self) -> HubSettings:
        if self.publish_on_promotion and self.token is None:
            raise ValueError(
                "training.hub.publish_on_promotion needs a token: set BYOSC_TRAINING__HUB__TOKEN"
            )
        return self


class TrainingSettings(BaseModel):
    hyperparameters: Hyperparameters = Field(
        default_factory=Hyperparameters, description="Defaults for jobs that name none."
    )
    base_model_dir: Path | None = Field(
        default=None,
        description="The base model's weights (Hugging Face layout), the very ones the model "
        "server serves as llm.model; None: the bundled model.",
    )
    with_context: bool = Field(
        default=True,
        description="Train on prompts laid out as /chat sends them, with the pair's source "
        "chunk as source [1]; false: the question alone.",
    )
    eval: EvalSettings = Field(
        default_factory=EvalSettings, description="Evaluation and promotion rule."
    )
    artifacts_dir: Path | None = Field(
        default=None,
        description="Where the local artifact store keeps adapter directories; None: "
        "data_dir/adapters.",
    )
    artifact_store: Literal["local", "s3"] = Field(
        default="local",
        description="local: a directory (a shared volume in production); s3: an S3-compatible "
        "bucket (AWS, MinIO).",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint, e.g. http://minio:9000; None: AWS."
    )
    s3_bucket: str | None = Field(default=None, description="Bucket for adapter artifacts.")
    s3_prefix: str = Field(default="adapters/", description="Key prefix inside the bucket.")
    s3_region: str | None = Field(default=None, description="Region; None: the client's default.")
    s3_access_key_id: str | None = Field(
        default=None, description="Access key id; None: the client's credential chain."
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="Secret access key; None: the client's credential chain."
    )

    hub: HubSettings = Field(
        default_factory=HubSettings, description="Publishing promoted adapters to a model hub."
    )

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> TrainingSettings:
        if self.artifact_store == "s3" and not self.s3_bucket:
            raise ValueError("artifact_store s3 needs training.s3_bucket")
        return self

    def checkpoints_path(self, data_path: Path) -> Path:
        """Where training jobs keep their checkpoints until they finish."""
        return data_path / "training"

    def artifacts_path(self, data_path: Path) -> Path:
        """The local artifact directory, given the settings' data directory."""
        return (self.artifacts_dir or data_path / "adapters").expanduser()
