"""The external systems BYOSC talks to, as Protocols. Adapters live in byosc/<area>/."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from byosc.domain import (
    Chunk,
    Course,
    DatasetVersion,
    Document,
    Generated,
    InstructionPair,
    RefusedFile,
    ScoredChunk,
    SearchMode,
    Section,
    SourceFile,
    Split,
    Usage,
)


class Extracted(BaseModel):
    media_type: str
    title: str
    sections: list[Section]
    warnings: list[str] = []


class Extractor(Protocol):
    """Turns the bytes of one file into located sections (pages, headings, segments)."""

    def extract(self, data: bytes, filename: str) -> Extracted: ...


class Transcriber(Protocol):
    """Speech to time-stamped segments (Sections with start_s/end_s)."""

    def transcribe(self, data: bytes, filename: str) -> list[Section]: ...


class Source(Protocol):
    """A place a course's files come from: a local folder, a Google Drive folder."""

    def list_files(self) -> list[SourceFile]: ...

    def read(self, file: SourceFile) -> bytes: ...


class Embedder(Protocol):
    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class SearchIndex(Protocol):
    """Vector index of chunks. Every read and delete is restricted to one course."""

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None: ...

    def search(
        self,
        course_id: str,
        vector: Sequence[float],
        text: str,
        limit: int,
        *,
        mode: SearchMode = "dense",
        with_vectors: bool = False,
    ) -> list[ScoredChunk]:
        """The course's best chunks for a query given as a dense vector and as text (for
        BM25); with_vectors fills ScoredChunk.vector for reranking."""
        ...

    def chunks(self, course_id: str, document_id: str) -> list[Chunk]:
        """Every chunk of one document, in document order."""
        ...

    def delete_document(self, course_id: str, document_id: str) -> None: ...

    def delete_course(self, course_id: str) -> None: ...

    def count(self, course_id: str) -> int: ...

    def close(self) -> None: ...


class Catalog(Protocol):
    """Metadata DB: courses and their documents."""

    def create_course(self, course: Course) -> Course: ...

    def get_course(self, course_id: str) -> Course | None: ...

    def list_courses(self) -> list[Course]: ...

    def delete_course(self, course_id: str) -> bool: ...

    def put_document(self, document: Document) -> None: ...

    def find_document(self, course_id: str, content_hash: str) -> Document | None: ...

    def find_by_source(self, course_id: str, source_id: str) -> list[Document]: ...

    def list_documents(self, course_id: str) -> list[Document]: ...

    def delete_document(self, course_id: str, document_id: str) -> bool: ...

    def put_refused(self, refused: RefusedFile) -> None: ...

    def list_refused(self, course_id: str) -> list[RefusedFile]: ...

    def delete_refused(self, course_id: str, refused_id: str) -> bool: ...


class JobQueue(Protocol):
    """Hands jobs to workers: Celery, over Redis in production or the filesystem embedded."""

    def enqueue_refresh(self, job_id: str) -> None: ...

    def enqueue_dataset(self, job_id: str) -> None: ...

    def enqueue_train(self, job_id: str) -> None: ...


class Completion(BaseModel):
    text: str
    model: str
    usage: Usage


class ChatModel(Protocol):
    """An OpenAI-style chat model; `model` picks the base model or a LoRA adapter by name.
    The text ends before the first of the `stop` strings, which is not part of it."""

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion: ...

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Iterator[str]: ...

    def models(self) -> list[str]: ...


class InstructionGenerator(Protocol):
    """Proposes instruction pairs from chunks; output it cannot use comes back as rejections."""

    name: str

    def generate(self, chunks: Sequence[Chunk]) -> Generated: ...


class DatasetStore(Protocol):
    """Versioned instruction datasets; a version, once written, never changes."""

    def write_version(
        self, version: DatasetVersion, pairs: Sequence[InstructionPair]
    ) -> DatasetVersion: ...

    def list_versions(self, course_id: str) -> list[DatasetVersion]: ...

    def get_version(self, course_id: str, version: int) -> DatasetVersion | None: ...

    def pairs(
        self, course_id: str, version: int, split: Split | None = None
    ) -> list[InstructionPair]: ...

    def delete_course(self, course_id: str) -> None: ...


class ArtifactStore(Protocol):
    """Adapter directories by key (e.g. `cs140/cs140-v3`), addressed afterwards by URI."""

    def put_dir(self, key: str, local_dir: Path) -> str:
        """Stores a copy of `local_dir` under `key`; returns its URI."""
        ...

    def fetch_dir(self, uri: str, dest_dir: Path) -> Path:
        """A local directory with the artifact's files, under `dest_dir` when it must be
        downloaded; the model server reads the adapter from there."""
        ...

    def delete(self, uri: str) -> None: ...


class AdapterHost(Protocol):
    """A model server that loads LoRA adapters at run time (vLLM, the local engine)."""

    def models(self) -> list[str]: ...

    def load_adapter(self, name: str, path: Path | str) -> None: ...

    def unload_adapter(self, name: str) -> None: ...
