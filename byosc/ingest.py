"""Ingestion: files -> extract -> chunk -> embed -> index, recorded in the catalog.

`index_document` is the one per-document pipeline: the synchronous `Ingestor` (the
`byosc ingest` command) and refresh jobs (`byosc.refresh`) both call it. Each file stands
alone: a bad file is reported with its reason and the rest of the batch is still ingested.
Re-ingesting identical bytes is a no-op; a changed file replaces the old version's vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from byosc.chunk import build_chunks, chunk_sections, context_text, page_titles
from byosc.domain import (
    Chunk,
    Document,
    FileError,
    IngestReport,
    Section,
    content_hash,
    document_id,
)
from byosc.errors import BadFile, NotFound
from byosc.extract.page_layout import lay_out_pages, navigation_warning
from byosc.originals import OriginalStore
from byosc.ports import Catalog, Embedder, Extracted, SearchIndex
from byosc.settings import ChunkSettings

log = logging.getLogger(__name__)

Extract = Callable[[bytes, str], Extracted]


class Steps(Protocol):
    """Told as a document moves through the pipeline; jobs record it, the CLI ignores it."""

    def begin(self, step: str, detail: str = "") -> None: ...


class NoSteps:
    def begin(self, step: str, detail: str = "") -> None:
        pass


@dataclass(frozen=True)
class Pipeline:
    catalog: Catalog
    embedder: Embedder
    index: SearchIndex
    chunking: ChunkSettings
    extract: Extract
    write_batch: int = 256
    # Where each document's original file is kept for the API to serve; None keeps none.
    originals: OriginalStore | None = None


@dataclass(frozen=True)
class Origin:
    """Where a document came from in the course's source; absent for files ingested by hand."""

    source_id: str
    checksum: str | None = None


@dataclass(frozen=True)
class Cut:
    """A file's sections laid out (`page_layout`) and cut into pieces to embed."""

    sections: list[Section]
    pieces: list[Section]
    warnings: list[str]

    def chunks(self, document: Document) -> list[Chunk]:
        return build_chunks(document.course_id, document, self.pieces, page_titles(self.sections))


def cut_sections(extracted: Extracted, chunking: ChunkSettings) -> Cut:
    """What ingest embeds of an extracted file: shared with the instruction benchmarks."""
    layout = lay_out_pages(extracted.sections)
    pieces = chunk_sections(layout.sections, chunking.size_chars, chunking.overlap_chars)
    warnings = [*extracted.warnings, *navigation_warning(layout.navigation_pages)]
    return Cut(layout.sections, pieces, warnings)


def index_document(
    pipeline: Pipeline,
    course_id: str,
    filename: str,
    data: bytes,
    *,
    origin: Origin | None = None,
    steps: Steps | None = None,
) -> Document:
    """Indexes one file and records it, then removes the versions it replaces.

    Safe to run again after a crash at any point: chunk IDs depend only on the course and
    the content, so a rerun overwrites the same points."""
    steps = steps or NoSteps()
    digest = content_hash(data)
    steps.begin("extract")
    extracted = pipeline.extract(data, filename)
    steps.begin("chunk")
    cut = cut_sections(extracted, pipeline.chunking)
    document = Document(
        id=document_id(course_id, digest),
        course_id=course_id,
        filename=filename,
        title=extracted.title,
        content_hash=digest,
        media_type=extracted.media_type,
        sections=len(extracted.sections),
        chunks=len(cut.pieces),
        warnings=cut.warnings,
        source_id=origin.source_id if origin else None,
        source_checksum=origin.checksum if origin else None,
    )
    chunks = cut.chunks(document)
    for start in range(0, len(chunks), pipeline.write_batch):
        batch = chunks[start : start + pipeline.write_batch]
        steps.begin("embed", f"{start + len(batch)}/{len(chunks)} chunks")
        vectors = pipeline.embedder.embed_documents([context_text(c) for c in batch])
        steps.begin("index", f"{start + len(batch)}/{len(chunks)} chunks")
        pipeline.index.upsert(batch, vectors)
    steps.begin("record")
    # Record the document only once its vectors and original are in: a crash in between
    # leaves nothing that claims to be indexed, and the retry redoes the same point IDs.
    if pipeline.originals is not None:
        pipeline.originals.keep(course_id, digest, data)
    pipeline.catalog.put_document(document)
    remove_replaced(pipeline, document)
    return document


def remove_replaced(pipeline: Pipeline, document: Document) -> None:
    """Deletes older versions of the same file: same source file, or same name by hand."""
    course_id = document.course_id
    if document.source_id is not None:
        previous = pipeline.catalog.find_by_source(course_id, document.source_id)
    else:
        previous = [
            d
            for d in pipeline.catalog.list_documents(course_id)
            if d.filename == document.filename and d.source_id is None
        ]
    for old in previous:
        if old.id != document.id:
            remove_document(pipeline.catalog, pipeline.index, course_id, old.id, pipeline.originals)


def remove_document(
    catalog: Catalog,
    index: SearchIndex,
    course_id: str,
    doc_id: str,
    originals: OriginalStore | None = None,
) -> None:
    """Vectors first, then the row: a crash in between leaves a row a rerun removes. Then
    the original file, unless another document of the course has the same content (a
    crash just before leaves a file that deleting the course removes)."""
    documents = catalog.list_documents(course_id) if originals is not None else []
    document = next((d for d in documents if d.id == doc_id), None)
    index.delete_document(course_id, doc_id)
    catalog.delete_document(course_id, doc_id)
    if originals is None or document is None:
        return
    if catalog.find_document(course_id, document.content_hash) is None:
        originals.remove(course_id, document.content_hash)


class Ingestor:
    """Synchronous ingestion of files given by hand, in this process."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def ingest(self, course_id: str, files: Iterable[tuple[str, bytes]]) -> IngestReport:
        catalog = self.pipeline.catalog
        if catalog.get_course(course_id) is None:
            raise NotFound(f"course {course_id} does not exist")
        report = IngestReport(course_id=course_id)
        for filename, data in files:
            if (known := catalog.find_document(course_id, content_hash(data))) is not None:
                report.unchanged.append(known.filename)
                continue
            try:
                report.documents.append(index_document(self.pipeline, course_id, filename, data))
            except BadFile as exc:
                log.warning("skipped %s: %s", filename, exc.reason)
                report.errors.append(FileError(filename=filename, reason=exc.reason))
        return report


def read_paths(paths: Iterable[Path]) -> list[tuple[str, bytes]]:
    """Files under the given paths (folders recursively), as (name, bytes), sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise NotFound(f"{path} does not exist")
    return [(p.name, p.read_bytes()) for p in files if not p.name.startswith(".")]
