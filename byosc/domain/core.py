"""Courses, their sources, documents, chunks, chat contracts and ingestion reports."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Deterministic IDs: re-ingesting the same bytes yields the same IDs, so upserts
# overwrite instead of duplicating.
_POINT_NAMESPACE = uuid.UUID("6f1c7c2e-8d1b-4c55-9a53-2f6f0c6b1e11")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_id(course_id: str, digest: str) -> str:
    return hashlib.sha256(f"{course_id}:{digest}".encode()).hexdigest()[:24]


def chunk_id(course_id: str, digest: str, index: int) -> str:
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{course_id}:{digest}:{index}"))


def utcnow() -> datetime:
    return datetime.now(UTC)


class SourceSpec(BaseModel):
    """Where a course's material lives. Uploads need no source; refresh syncs the others."""

    kind: Literal["upload", "local", "gdrive"] = "upload"
    # A Drive folder ID, never a URL: the platform fetches no arbitrary addresses.
    folder_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{10,100}$")
    path: str | None = Field(default=None, description="Local folder, under an allowed root.")

    @model_validator(mode="after")
    def _fields_match_kind(self) -> SourceSpec:
        if self.kind == "gdrive" and not self.folder_id:
            raise ValueError("a gdrive source needs folder_id")
        if self.kind == "local" and not self.path:
            raise ValueError("a local source needs path")
        return self


COURSE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
COURSE_ID_RULE = (
    "a course ID has 2 to 63 characters: lowercase letters a-z, digits and hyphens, "
    "starting with a letter or digit (e.g. cs140)"
)


def _course_id(value: str) -> str:
    # Checked here rather than by Field(pattern=...), whose error shows only the regex.
    if re.fullmatch(COURSE_ID_PATTERN, value) is None:
        raise PydanticCustomError("course_id", COURSE_ID_RULE)
    return value


CourseId = Annotated[
    str,
    AfterValidator(_course_id),
    WithJsonSchema({"type": "string", "pattern": COURSE_ID_PATTERN, "description": COURSE_ID_RULE}),
]


class Course(BaseModel):
    id: CourseId = Field(examples=["cs101"])
    name: str = Field(min_length=1, max_length=200)
    source: SourceSpec = Field(default_factory=SourceSpec)
    created_at: datetime = Field(default_factory=utcnow)


class SourceFile(BaseModel):
    """One file as a source lists it, before its bytes are read."""

    source_id: str = Field(description="Stable ID in the source: Drive file ID or relative path.")
    name: str
    checksum: str | None = Field(default=None, description="md5Checksum (Drive) or sha256.")
    modified: datetime | None = None
    size: int | None = None
    mime_type: str | None = None


class Section(BaseModel):
    """One unit of extracted text with its location: a PDF page, a heading section, a segment."""

    text: str
    page: int | None = None
    heading: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    ocr: bool = Field(default=False, description="The text was read from images by OCR.")


class Document(BaseModel):
    id: str
    course_id: str
    filename: str
    title: str
    content_hash: str
    media_type: str
    sections: int = 0
    chunks: int = 0
    warnings: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    source_id: str | None = Field(
        default=None, description="The file in the course's source; None: ingested by hand."
    )
    source_checksum: str | None = Field(
        default=None, description="The source's checksum when indexed, to skip unchanged files."
    )


class Chunk(BaseModel):
    id: str
    course_id: str
    document_id: str
    index: int
    text: str
    title: str
    filename: str
    media_type: str | None = None
    page: int | None = None
    heading: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    ocr: bool = False
    context: str = Field(
        default="",
        description="Where the chunk sits (document title, then section or page title): "
        "embedded and BM25-indexed with the text, so a piece cut from the middle of a "
        "section still says what it is about.",
    )


SLIDE_DECK = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def page_word(media_type: str | None) -> str:
    """What a numbered location is called in this kind of document."""
    return "slide" if media_type == SLIDE_DECK else "page"


# How a search ranks chunks: dense (MiniLM cosine), sparse (BM25), hybrid (the two rankings
# fused with RRF) or hybrid-dbsf (their scores fused after normalising each by its
# distribution). Fusion runs in the engine.
SearchMode = Literal["dense", "sparse", "hybrid", "hybrid-dbsf"]
SEARCH_MODES: tuple[SearchMode, ...] = ("dense", "sparse", "hybrid", "hybrid-dbsf")


RANK_SCORE = "The ranking's own score: fused (RRF), BM25 or cosine, by search mode."
RELEVANCE = "Cosine similarity to the question: what the relevance threshold is compared with."


class ScoredChunk(BaseModel):
    chunk: Chunk
    score: float = Field(description=RANK_SCORE)
    relevance: float | None = Field(default=None, description=RELEVANCE)
    vector: list[float] | None = Field(
        default=None,
        exclude=True,
        description="The chunk's dense vector, when the search asked for it (reranking).",
    )


class Citation(BaseModel):
    n: int
    document_id: str
    title: str
    filename: str
    media_type: str | None = None
    page: int | None = None
    heading: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    ocr: bool = Field(default=False, description="The cited text was read from images by OCR.")
    snippet: str
    score: float = Field(description=RANK_SCORE)
    relevance: float | None = Field(default=None, description=RELEVANCE)
    url: str | None = Field(
        default=None,
        description="The document's original file (GET, with the same key) and a fragment "
        "naming the cited place: #page=N for a PDF page or a slide, #t=start,end (seconds, "
        "W3C media fragment) for a recording, #heading=<percent-encoded heading> when only a "
        "heading is known.",
        examples=["/courses/cs140/documents/3f2a9c0d1e4b5a6c7d8e9f01/file#page=4"],
    )


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=8000)


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "course_id": "cs140",
                    "messages": [{"role": "user", "content": "What causes a page fault?"}],
                },
                {
                    "course_id": "cs140",
                    "messages": [
                        {"role": "user", "content": "What is a TLB?"},
                        {"role": "assistant", "content": "A cache of page table entries [1]."},
                        {"role": "user", "content": "Why does a context switch flush it?"},
                    ],
                    "stream": True,
                    "max_tokens": 256,
                },
            ]
        }
    )

    course_id: str
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    stream: bool = False
    use_adapter: bool = True
    max_tokens: int = Field(default=192, ge=1, le=2048)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer": "A page fault occurs when a program touches a page that is not "
                    "in physical memory; the kernel loads it from disk [1].",
                    "citations": [
                        {
                            "n": 1,
                            "document_id": "3f6c1e0a9b2d4c7e8f1a2b3c",
                            "title": "Lecture 7: Virtual memory",
                            "filename": "lecture07-virtual-memory.pdf",
                            "media_type": "application/pdf",
                            "page": 12,
                            "snippet": "On a page fault the kernel finds the page on disk...",
                            "score": 0.83,
                        }
                    ],
                    "model": "cs140-v3",
                    "usage": {"prompt_tokens": 612, "completion_tokens": 38, "total_tokens": 650},
                    "covered": True,
                    "degraded": False,
                }
            ]
        }
    )

    answer: str
    citations: list[Citation]
    model: str
    usage: Usage = Field(default_factory=Usage)
    covered: bool = Field(
        default=True,
        description="False when no passage was relevant enough: the answer says the material "
        "does not cover the question and cites the closest passages, without asking the model.",
    )
    degraded: bool = Field(
        default=False,
        description="True when the model server was down or too slow: the answer says so and "
        "the citations are the most relevant passages retrieved, with no generated text.",
    )
    adapter_error: str | None = Field(
        default=None,
        description="Set when the course's promoted adapter could not be served (its files "
        "are missing from the artifact store, or the model server refused it): the answer "
        "comes from the base model, which `model` names, and this says why.",
    )


# A streamed chat's events. They live beside the chat contracts, not in the chat engine,
# so that code mapping a stream (the OpenAI-compatible API) does not import the engine.
@dataclass
class Delta:
    """A piece of the answer as it is generated."""

    text: str


@dataclass
class Done:
    """The final answer with its citations; always the last streamed event."""

    response: ChatResponse


class FileError(BaseModel):
    filename: str
    reason: str
    document_id: str | None = Field(
        default=None,
        description="The ID to delete the refused file by, when the course keeps it.",
    )


def refused_file_id(course_id: str, source_id: str) -> str:
    """One ID per source file, whichever version of it was refused."""
    return hashlib.sha256(f"{course_id}:refused:{source_id}".encode()).hexdigest()[:24]


class RefusedFile(BaseModel):
    """A source file whose content could not be ingested: refreshes skip it until it changes,
    and it can be deleted by `id` like a document."""

    id: str
    course_id: str
    source_id: str
    filename: str
    checksum: str = Field(description="The source's checksum of the refused version.")
    reason: str
    refused_at: datetime = Field(default_factory=utcnow)


class IngestReport(BaseModel):
    """What one ingestion batch did: the good files are kept even when others fail."""

    course_id: str
    documents: list[Document] = Field(default_factory=list)
    errors: list[FileError] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
