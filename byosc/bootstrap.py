"""Builds adapters from settings. Each service's lifespan and the CLI call these, so the
wiring of ports to implementations lives in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.settings import BASE_MODEL_NAME, Settings

if TYPE_CHECKING:
    import sqlalchemy as sa

    from byosc.domain import Course
    from byosc.ingest import Extract, Pipeline
    from byosc.instructions.build import DatasetBuilder
    from byosc.jobs.sql import SqlJobStore
    from byosc.llm.tokens import TokenCounter
    from byosc.ports import (
        AdapterHost,
        ArtifactStore,
        Catalog,
        ChatModel,
        DatasetStore,
        Embedder,
        Extracted,
        InstructionGenerator,
        SearchIndex,
        Source,
    )
    from byosc.rag.chat import RagChat
    from byosc.rag.conversation import QueryRewriter
    from byosc.rag.rerank import Reranker
    from byosc.sources.cursors import SqlSourceCursors
    from byosc.training.models import AdapterRecord
    from byosc.training.publishing.publisher import HubPublisher
    from byosc.training.publishing.store import SqlAdapterPublications
    from byosc.training.registry import SqlAdapterRegistry
    from byosc.training.serving import AdapterServing


def open_metadata_db(settings: Settings) -> sa.Engine:
    """The metadata DB's engine. Only the embedded profile migrates its schema at start; the
    others refuse a database behind this release, naming `byosc db upgrade` (compose's
    `migrate` service, the k8s Job), so no two services ever race to change it."""
    return open_engine(settings.database_url, upgrade=settings.profile == "embedded")


def open_catalog(settings: Settings) -> SqlCatalog:
    return SqlCatalog(open_metadata_db(settings))


def open_job_store(catalog: SqlCatalog) -> SqlJobStore:
    """Jobs live in the catalog's database and share its connections."""
    from byosc.jobs.sql import SqlJobStore

    return SqlJobStore(catalog.engine)


def open_extract(settings: Settings) -> Extract:
    """Extraction in a child process with time and memory bounds (recordings transcribed)."""
    from byosc.extract.bounded import extract_bounded
    from byosc.transcribe.whisper import WhisperTranscriber

    # One transcriber per worker: its model loads on the first recording and stays loaded.
    transcriber = WhisperTranscriber.from_settings(settings)

    def extract(data: bytes, filename: str) -> Extracted:
        return extract_bounded(data, filename, settings.limits, transcriber)

    return extract


def open_pipeline(
    settings: Settings, catalog: SqlCatalog, embedder: Embedder, index: SearchIndex
) -> Pipeline:
    from byosc.ingest import Pipeline
    from byosc.originals import OriginalStore

    extract = open_extract(settings)
    batch = settings.index.write_batch
    originals = OriginalStore.from_settings(settings)
    return Pipeline(catalog, embedder, index, settings.chunking, extract, batch, originals)


def open_course_source(
    settings: Settings, course: Course, cursors: SqlSourceCursors | None = None
) -> Source:
    from byosc.sources import open_source

    return open_source(course.source, settings, course.id, cursors)


def open_embedder(settings: Settings) -> Embedder:
    from byosc.embed.sentence_transformers import SentenceTransformerEmbedder
    from byosc.models import bundled_models

    path = settings.embedder.model_path or bundled_models(settings).embedder_dir
    return SentenceTransformerEmbedder(path, settings.embedder.batch_size, settings.embedder.device)


def open_search_index(settings: Settings, dimension: int) -> SearchIndex:
    if settings.index.kind == "http":
        from byosc.index.http import HttpIndex

        return HttpIndex(settings.services.inference, settings.services.timeout_s)
    from byosc.index import open_index

    return open_index(settings, dimension)


def open_chat_model(
    settings: Settings, *, timeout_s: float | None = None, max_retries: int = 1
) -> ChatModel:
    """`timeout_s` and `max_retries` override the model server client's (a chat's tighter
    budget); the in-process engine has neither."""
    if settings.llm.in_process:
        from byosc.llm.engine import LocalEngine
        from byosc.llm.engine_chat import EngineChatModel
        from byosc.models import bundled_models

        engine = LocalEngine(bundled_models(settings).llm_dir, base_name=settings.llm.model)
        return EngineChatModel(engine, settings.llm)
    from byosc.llm.openai_chat import OpenAIChatModel

    llm = settings.llm
    if timeout_s is not None:
        llm = llm.model_copy(update={"timeout_s": timeout_s})
    return OpenAIChatModel(llm, max_retries=max_retries)


def open_reranker(settings: Settings) -> Reranker | None:
    """The cross-encoder when one is configured; none ships with the bundled models."""
    if settings.rag.rerank_model is None:
        return None
    from byosc.rag.rerank import CrossEncoderReranker

    return CrossEncoderReranker(settings.rag.rerank_model, settings.embedder.device)


def open_token_counter(settings: Settings) -> TokenCounter:
    from byosc.llm.tokens import TokenCounter
    from byosc.models import bundled_models

    if settings.llm.tokenizer_path is not None:
        return TokenCounter.from_model_dir(settings.llm.tokenizer_path)
    # The single-node form serves the bundled model too, from the project's model server.
    bundled = settings.profile == "single-node" and settings.llm.model == BASE_MODEL_NAME
    if settings.profile == "embedded" or bundled:
        return TokenCounter.from_model_dir(bundled_models(settings).llm_dir)
    return TokenCounter.approximate()


def open_query_rewriter(settings: Settings, model: ChatModel) -> QueryRewriter:
    from byosc.rag.conversation import KeywordRewriter, LlmRewriter

    if settings.rag.query_rewriter == "llm":
        return LlmRewriter(model, settings.llm.model, KeywordRewriter())
    return KeywordRewriter()


def open_rag_chat(
    settings: Settings,
    catalog: Catalog,
    embedder: Embedder,
    index: SearchIndex,
    model: ChatModel,
    *,
    adapter_for: Callable[[str], str | None] | None = None,
    record_uncovered: Callable[[str, str], object] | None = None,
) -> RagChat:
    """`adapter_for`: the model name to answer a course with (its active adapter), or None
    for the base model. `record_uncovered(course_id, question)`: where questions the material
    does not cover go; the inference service keeps them for the course's gaps, while the CLI
    and the evaluations leave them out (their questions are not students')."""
    from byosc.llm.breaker import BreakerChatModel, CircuitBreaker
    from byosc.rag.chat import RagChat

    # One breaker for every chat call to the model server, the query rewriter's included.
    breaker = CircuitBreaker(settings.rag.breaker_failures, settings.rag.breaker_open_s)
    return RagChat(
        catalog,
        embedder,
        index,
        model,
        settings.rag,
        settings.llm.model,
        reranker=open_reranker(settings),
        rewriter=open_query_rewriter(settings, BreakerChatModel(model, breaker)),
        tokens=open_token_counter(settings),
        adapter_for=adapter_for,
        breaker=breaker,
        record_uncovered=record_uncovered,
    )


def open_artifact_store(settings: Settings) -> ArtifactStore:
    from byosc.training.artifacts import artifact_store

    return artifact_store(settings.training, settings.data_path)


def open_adapter_serving(
    settings: Settings,
    model: ChatModel,
    registry: SqlAdapterRegistry,
    artifacts: ArtifactStore,
    after_promotion: Callable[[AdapterRecord], None] | None = None,
) -> AdapterServing:
    """Keeps `model`'s server holding each course's active adapter (`model` must be one that
    loads adapters: the local engine, the local model server or vLLM)."""
    from byosc.training.serving import AdapterServing

    host = cast("AdapterHost", model)  # the chat models here all load adapters
    return AdapterServing(
        host,
        registry,
        artifacts,
        settings.data_path / "adapters-fetched",
        after_promotion=after_promotion,
    )


def open_hub_publisher(
    settings: Settings,
    publications: SqlAdapterPublications,
    artifacts: ArtifactStore,
    datasets: DatasetStore,
) -> HubPublisher:
    """Publishes promoted adapters to the model hub in training.hub."""
    from byosc.training.publishing.publisher import HubPublisher

    fetch_root = settings.data_path / "adapters-fetched"
    return HubPublisher(settings.training.hub, artifacts, datasets, publications, fetch_root)


def open_dataset_store(settings: Settings, catalog: SqlCatalog) -> DatasetStore:
    if settings.datasets.kind == "hopsworks":
        from byosc.datasets.hopsworks import HopsworksDatasetStore

        return HopsworksDatasetStore.from_settings(settings.datasets)
    from byosc.datasets.sql import SqlDatasetStore

    return SqlDatasetStore(catalog.engine)


def open_instruction_generator(settings: Settings) -> InstructionGenerator:
    if settings.instructions.generator == "llm":
        from byosc.instructions.llm import LlmGenerator

        return LlmGenerator.from_settings(settings)
    from byosc.instructions.extractive import ExtractiveGenerator

    return ExtractiveGenerator()


def open_dataset_builder(
    settings: Settings,
    catalog: Catalog,
    embedder: Embedder,
    index: SearchIndex,
    store: DatasetStore,
) -> DatasetBuilder:
    from byosc.instructions.build import DatasetBuilder
    from byosc.instructions.gate import QualityGate

    gate = QualityGate(embedder, settings.instructions)
    generator = open_instruction_generator(settings)
    return DatasetBuilder(catalog, index, generator, gate, store, seed=settings.datasets.seed)
