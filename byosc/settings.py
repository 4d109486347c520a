"""All configuration, from environment variables (BYOSC_*, nested with __), validated at start-up.

One switch, `profile`, picks the defaults: `embedded` runs everything on one machine with no
servers; `compose` and `k8s` expect Qdrant, PostgreSQL, Redis and vLLM at the given URLs;
`single-node` expects PostgreSQL and Redis but lets the inference service own the Edge index
and the project's model server stand in for vLLM (one CPU server, compose.single-node.yml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from byosc.instructions.settings import InstructionSettings
from byosc.jobs.settings import QueueSettings
from byosc.lti.settings import LtiSettings
from byosc.rag.settings import RagSettings
from byosc.schedules.settings import ScheduleSettings
from byosc.training.settings import TrainingSettings

BASE_MODEL_NAME = "smollm2-135m-instruct"


class EmbedderSettings(BaseModel):
    model_path: Path | None = Field(
        default=None, description="SentenceTransformer directory; default: the bundled MiniLM."
    )
    batch_size: int = Field(default=64, ge=1, description="Texts per forward pass.")
    device: str = Field(default="cpu", description="torch device for embeddings.")


class IndexSettings(BaseModel):
    kind: Literal["edge", "qdrant", "http"] = Field(
        default="edge",
        description="edge: Qdrant Edge in-process; qdrant: a Qdrant server; "
        "http: the embedded index owned by the inference service.",
    )
    path: Path | None = Field(default=None, description="Edge shard directory.")
    url: str = Field(default="http://127.0.0.1:6333", description="Qdrant server URL.")
    api_key: str | None = Field(default=None, description="Qdrant server API key.")
    collection: str = Field(default="byosc_chunks", description="Qdrant collection name.")
    write_batch: int = Field(
        default=256,
        ge=1,
        description="Chunks of one document embedded and upserted together: bounds memory "
        "on long recordings and books, and shows progress within a document.",
    )


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in the data directory."
    )


class LlmSettings(BaseModel):
    base_url: str = Field(
        default="http://127.0.0.1:8004/v1",
        description="OpenAI-compatible endpoint: vLLM or the local model server.",
    )
    api_key: str = Field(default="EMPTY", description="Bearer token for the model server.")
    model: str = Field(default=BASE_MODEL_NAME, description="Name of the base model served.")
    timeout_s: float = Field(default=120.0, gt=0, description="Per-request timeout.")
    tokenizer_path: Path | None = Field(
        default=None,
        description="Directory with the served model's tokenizer, for token budgets; None: the "
        "bundled model's in the embedded profile, otherwise about 4 characters a token.",
    )
    in_process: bool = Field(
        default=False,
        description="Run the local engine inside this process instead of calling a server "
        "(the CLI in the embedded profile).",
    )
    repetition_penalty: float = Field(
        default=1.0,
        gt=0,
        description="vLLM's repetition penalty, sent with every generation (the local engine "
        "takes it too): above 1 makes tokens already in the prompt or the answer less likely. "
        "It counts the sources in the prompt, so it also keeps the model from quoting them: "
        "at 1.1 the bundled model left its sources for made-up text. 1: off.",
    )
    no_repeat_ngram_size: int = Field(
        default=0,
        ge=0,
        description="The local engine never lets an answer write the same run of this many "
        "tokens twice (runs of the prompt may be quoted); 0: off. vLLM has no such control "
        "and ignores the field (it logs that it did). Off by default: with the chat's repeat "
        "cut (rag.repeat_span_words), which applies whatever the server, 10 made no sample "
        "answer of the bundled model better; it loops in other words instead.",
    )


class ChunkSettings(BaseModel):
    size_chars: int = Field(default=900, ge=100, description="Target chunk length.")
    overlap_chars: int = Field(default=150, ge=0, description="Characters shared by neighbours.")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> ChunkSettings:
        if self.overlap_chars >= self.size_chars:
            raise ValueError("chunk overlap must be smaller than the chunk size")
        return self


class SourceSettings(BaseModel):
    allowed_roots: list[Path] = Field(
        default_factory=list,
        description="Local source folders must lie under one of these; empty: none allowed.",
    )
    gdrive_credentials: Path | None = Field(
        default=None, description="Google service-account JSON key for Drive sources."
    )


class TranscribeSettings(BaseModel):
    model_path: Path | None = Field(
        default=None, description="faster-whisper model directory; default: bundled tiny.en."
    )
    device: str = Field(default="cpu", description="cpu or cuda (GPU workers).")
    compute_type: str = Field(default="int8", description="CTranslate2 compute type.")


class ExtractLimits(BaseModel):
    """Bounds that keep one hostile or broken file from taking down a worker."""

    max_seconds: float = Field(default=300.0, gt=0, description="Per-file parse time.")
    max_memory_mb: int = Field(default=2048, ge=64, description="Parser address-space cap.")
    max_uncompressed_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1, description="Decompression bomb bound (DOCX, PPTX)."
    )
    max_pages: int = Field(default=2000, ge=1, description="Longest PDF or deck accepted.")
    ocr_min_chars: int = Field(
        default=40,
        ge=0,
        description="A page or slide with less text than this that holds images is OCR'd "
        "(the ocr extra); 0 turns OCR off.",
    )
    ocr_max_pages: int = Field(default=100, ge=0, description="Most pages OCR'd per file.")
    ocr_page_seconds: float = Field(default=60.0, gt=0, description="OCR time per page.")
    ocr_max_seconds: float = Field(
        default=150.0,
        gt=0,
        description="OCR time per file; later pages are skipped and recorded, so a file of "
        "scans keeps what was read within max_seconds.",
    )


class DatasetSettings(BaseModel):
    kind: Literal["local", "hopsworks"] = Field(
        default="local",
        description="Where instruction datasets are versioned: tables in the metadata DB, or "
        "Hopsworks feature groups (install the hopsworks extra).",
    )
    seed: int = Field(default=0, description="Seed of the by-document train/validation/test split.")
    after_refresh: bool = Field(
        default=True,
        description="Generate a new dataset version after a refresh that changed documents.",
    )
    hopsworks_host: str | None = Field(default=None, description="Hopsworks host name.")
    hopsworks_project: str | None = Field(default=None, description="Hopsworks project.")
    hopsworks_api_key: str | None = Field(default=None, description="Hopsworks API key.")


class JwtSettings(BaseModel):
    """Tokens an LMS mints per student, accepted beside API keys. Claims: `sub` (who),
    `exp`, `aud`, `iss` (checked), `role` (default client) and `courses` (the scope)."""

    enabled: bool = Field(default=False, description="Accept JWTs as bearer tokens.")
    algorithm: Literal["HS256", "RS256"] = Field(default="HS256", description="Signature kind.")
    secret: str | None = Field(default=None, description="HS256 shared secret.")
    public_key_path: Path | None = Field(default=None, description="RS256 public key (PEM).")
    audience: str = Field(default="byosc", description="Required `aud` claim.")
    issuer: str | None = Field(default=None, description="Required `iss` claim, if set.")
    leeway_s: float = Field(default=30.0, ge=0, description="Clock skew allowed on `exp`.")

    @model_validator(mode="after")
    def _key_material(self) -> JwtSettings:
        if self.enabled and self.algorithm == "HS256" and not self.secret:
            raise ValueError("auth.jwt.algorithm=HS256 needs auth.jwt.secret")
        if self.enabled and self.algorithm == "RS256" and self.public_key_path is None:
            raise ValueError("auth.jwt.algorithm=RS256 needs auth.jwt.public_key_path")
        return self


class RateLimitSettings(BaseModel):
    """Requests per key (per client address without auth) and route class in a sliding
    window; past the limit the gateway answers 429 with Retry-After."""

    enabled: bool = True
    window_s: float = Field(default=60.0, gt=0, description="Length of the sliding window.")
    per_class: dict[str, int] = Field(
        default_factory=lambda: {
            "list": 600,
            "read": 600,
            "chat": 60,
            "manage": 30,
            "admin": 120,
        },
        description="Requests per window by route class (list, read, chat, manage, admin).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Shared counters for several gateway replicas; None: in this process.",
    )


class InflightSettings(BaseModel):
    """The bound on each service's expensive requests (chat, streams, search, quizzes):
    past `running` + `waiting`, a request is answered 503 with Retry-After at once."""

    running: int = Field(
        default=16, ge=1, description="Expensive requests a service works on at once."
    )
    waiting: int = Field(
        default=64, ge=0, description="Requests queued for a running slot before 503s start."
    )
    retry_after_s: int = Field(
        default=2, ge=1, description="Seconds a refused client is told to wait (Retry-After)."
    )
    max_wait_s: float = Field(
        default=45.0,
        gt=0,
        description="Longest a request waits for a running slot: one whose expected wait (its "
        "place in the queue times the measured time per request) is longer is refused at "
        "once, and one still waiting after it gets its 503 then. Keeps accepted requests "
        "within a client's patience when generation slows under load.",
    )


class GatewaySettings(BaseModel):
    rate_limits: RateLimitSettings = RateLimitSettings()
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Largest JSON request body; uploads are bounded by max_upload_bytes.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS); empty: none.",
    )
    lti: LtiSettings = LtiSettings()
    inflight: InflightSettings = Field(
        default=InflightSettings(running=256, waiting=256),
        description="The gateway's own bound on forwarded chats, searches and quizzes, above "
        "the services' so that theirs (and their 503s) normally apply first.",
    )


class LogSettings(BaseModel):
    json_lines: bool = Field(
        default=True, description="One JSON object per log line, with the request ID."
    )
    level: str = Field(default="INFO", description="Root log level.")


class AuthSettings(BaseModel):
    enabled: bool = Field(
        default=True,
        description="Require an API key (Authorization: Bearer) on every gateway route but "
        "health, metrics and docs; only the embedded profile may turn it off.",
    )
    jwt: JwtSettings = JwtSettings()
    cache_s: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="Seconds the gateway reuses a key lookup; a revoked key is refused at most "
        "this long after its revocation. 0: look every key up.",
    )


class ServiceUrls(BaseModel):
    ingest: str = "http://127.0.0.1:8001"
    inference: str = "http://127.0.0.1:8002"
    trainer: str = "http://127.0.0.1:8003"
    timeout_s: float = Field(default=300.0, gt=0, description="Gateway-to-service timeout.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BYOSC_", env_nested_delimiter="__")

    profile: Literal["embedded", "single-node", "compose", "k8s"] = Field(
        default="embedded",
        description="embedded: one machine, no servers (SQLite, Edge index, filesystem "
        "broker), auth optional. single-node: PostgreSQL and auth required; the inference "
        "service may own an Edge index (BYOSC_INDEX__KIND=edge there) that the others reach "
        "over HTTP (BYOSC_INDEX__KIND=http, BYOSC_SERVICES__INFERENCE). compose, k8s: "
        "PostgreSQL, auth and a Qdrant server (or the inference service's index) required.",
    )
    home: Path = Field(
        default=Path("~/.cache/byosc"), description="Prepared models live in home/models."
    )
    data_dir: Path | None = Field(
        default=None, description="Index, SQLite DB and uploads; default: home/data."
    )
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    embedder: EmbedderSettings = EmbedderSettings()
    index: IndexSettings = IndexSettings()
    database: DatabaseSettings = DatabaseSettings()
    llm: LlmSettings = LlmSettings()
    instructions: InstructionSettings = InstructionSettings()
    datasets: DatasetSettings = DatasetSettings()
    training: TrainingSettings = TrainingSettings()
    chunking: ChunkSettings = ChunkSettings()
    rag: RagSettings = RagSettings()
    services: ServiceUrls = ServiceUrls()
    inflight: InflightSettings = Field(
        default_factory=InflightSettings,
        description="The inference service's bound on chats (model calls). The embedded "
        "profile's default is 4 running and 8 waiting, measured on 2 CPU cores with the "
        "bundled model (bench/load.py): past about 4 chats at once each one slows the rest, "
        "and queued chats outlive their clients. Others: 16 and 64, for a GPU model server.",
    )
    retrieval_inflight: InflightSettings = Field(
        default_factory=lambda: InflightSettings(running=8, waiting=64),
        description="The inference service's bound on searches and quizzes (no model call).",
    )
    sources: SourceSettings = SourceSettings()
    transcribe: TranscribeSettings = TranscribeSettings()
    limits: ExtractLimits = ExtractLimits()
    queue: QueueSettings = QueueSettings()
    schedules: ScheduleSettings = ScheduleSettings()
    auth: AuthSettings = AuthSettings()
    gateway: GatewaySettings = GatewaySettings()
    logs: LogSettings = LogSettings()

    @model_validator(mode="after")
    def _embedded_chat_bound(self) -> Settings:
        if self.profile == "embedded" and "inflight" not in self.model_fields_set:
            self.inflight = InflightSettings(running=4, waiting=8)
        return self

    @model_validator(mode="after")
    def _production_needs_servers(self) -> Settings:
        """Every problem at once, one line each, naming the environment variable to set:
        a deployment is fixed in one round, not one start-up failure at a time."""
        if self.profile == "embedded":
            return self
        profile, problems = self.profile, list[str]()
        url = self.database.url
        if url is None:
            problems.append(
                f"BYOSC_DATABASE__URL is required in profile {profile} (PostgreSQL, e.g. "
                "postgresql+psycopg://byosc:PASSWORD@postgres:5432/byosc)"
            )
        elif url.startswith("sqlite"):
            problems.append(
                f"BYOSC_DATABASE__URL names SQLite, which profile {profile} refuses: the "
                "services share one metadata DB, PostgreSQL (postgresql+psycopg://...)"
            )
        # An Edge shard belongs to one process; only single-node has one service own it.
        if self.index.kind == "edge" and profile != "single-node":
            problems.append(
                f"BYOSC_INDEX__KIND=edge is refused in profile {profile}: use qdrant (with "
                "BYOSC_INDEX__URL), or http to reach the inference service's index; only "
                "profile single-node lets the inference service own an Edge index"
            )
        if self.index.kind == "http" and "inference" not in self.services.model_fields_set:
            problems.append(
                f"BYOSC_SERVICES__INFERENCE is required with BYOSC_INDEX__KIND=http in profile "
                f"{profile}: the URL of the inference service that owns the index"
            )
        if not self.auth.enabled:
            problems.append(
                f"BYOSC_AUTH__ENABLED=false is refused in profile {profile}: only the "
                "embedded profile runs without API keys"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def models_dir(self) -> Path:
        return self.home.expanduser() / "models"

    @property
    def data_path(self) -> Path:
        return (self.data_dir or self.home / "data").expanduser()

    @property
    def index_path(self) -> Path:
        return (self.index.path or self.data_path / "index").expanduser()

    @property
    def queue_path(self) -> Path:
        """The embedded broker's folders and the worker presence lock."""
        return self.data_path / "queue"

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_path / 'byosc.db'}"
