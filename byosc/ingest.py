"""Ingestion: files -> extract -> chunk -> embed -> index, recorded in the catalog.

Each file stands alone: a bad file is reported with its reason and the rest of the batch is
still ingested. Re-ingesting identical bytes is a no-op; a changed file with the same name
replaces the old version's vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from byosc.chunk import build_chunks, chunk_sections
from byosc.domain import Document, FileError, IngestReport, content_hash, document_id
from byosc.errors import BadFile, NotFound
from byosc.extract import extract_file
from byosc.ports import Catalog, Embedder, SearchIndex
from byosc.settings import ChunkSettings

log = logging.getLogger(__name__)


class Ingestor:
    def __init__(
        self, catalog: Catalog, embedder: Embedder, index: SearchIndex, chunking: ChunkSettings
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.index = index
        self.chunking = chunking

    def ingest(self, course_id: str, files: Iterable[tuple[str, bytes]]) -> IngestReport:
        if self.catalog.get_course(course_id) is None:
            raise NotFound(f"course {course_id} does not exist")
        report = IngestReport(course_id=course_id)
        for filename, data in files:
            digest = content_hash(data)
            if (known := self.catalog.find_document(course_id, digest)) is not None:
                report.unchanged.append(known.filename)
                continue
            try:
                report.documents.append(self._ingest_one(course_id, filename, data, digest))
            except BadFile as exc:
                log.warning("skipped %s: %s", filename, exc.reason)
                report.errors.append(FileError(filename=filename, reason=exc.reason))
        return report

    def _ingest_one(self, course_id: str, filename: str, data: bytes, digest: str) -> Document:
        extracted = extract_file(data, filename)
        pieces = chunk_sections(
            extracted.sections, self.chunking.size_chars, self.chunking.overlap_chars
        )
        document = Document(
            id=document_id(course_id, digest),
            course_id=course_id,
            filename=filename,
            title=extracted.title,
            content_hash=digest,
            media_type=extracted.media_type,
            sections=len(extracted.sections),
            chunks=len(pieces),
            warnings=extracted.warnings,
        )
        chunks = build_chunks(course_id, document, pieces)
        if chunks:
            vectors = self.embedder.embed_documents([c.text for c in chunks])
            self.index.upsert(chunks, vectors)
        # Record the document only once its vectors are in: a crash in between leaves
        # nothing that claims to be indexed, and the retry redoes the same point IDs.
        previous = [d for d in self.catalog.list_documents(course_id) if d.filename == filename]
        self.catalog.put_document(document)
        for old in previous:
            self.index.delete_document(course_id, old.id)
            self.catalog.delete_document(course_id, old.id)
        return document


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
