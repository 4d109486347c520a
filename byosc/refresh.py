"""Refresh = sync: bring a course's index up to date with its source.

`plan_refresh` diffs the source's listing against the indexed documents by source file:
new files are indexed, changed ones re-indexed (the old vectors replaced), deleted ones
removed, and unchanged ones skipped without being read when the source's checksum shows
they did not change. A file whose content was refused (empty, corrupt, unsupported) is
skipped the same way until it changes, so it does not fail every refresh.
`process_document` handles one new or changed file and is safe to run twice: point IDs
depend only on course and content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from byosc.domain import Course, Document, ItemAction, RefusedFile, SourceFile, content_hash
from byosc.ingest import Origin, Pipeline, Steps, index_document, remove_replaced
from byosc.ports import Catalog, Source

AUDIO_SUFFIXES = (".mp3", ".wav", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac")
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi")
MEDIA_SUFFIXES = frozenset((*AUDIO_SUFFIXES, *VIDEO_SUFFIXES))


@dataclass(frozen=True)
class PlannedFile:
    action: ItemAction
    source_id: str
    filename: str
    file: SourceFile | None = None
    document: Document | None = None
    refused: RefusedFile | None = None

    @property
    def queue(self) -> Literal["cpu", "transcribe"]:
        """Recordings go to the workers with the large speech model."""
        return "transcribe" if self.file is not None and is_media(self.file) else "cpu"


@dataclass
class RefreshPlan:
    course_id: str
    files: list[PlannedFile] = field(default_factory=list)
    # Refusals of files the source no longer lists.
    forgotten: list[RefusedFile] = field(default_factory=list)

    def count(self, action: ItemAction) -> int:
        return sum(1 for f in self.files if f.action == action)


def plan_refresh(course: Course, source: Source, catalog: Catalog) -> RefreshPlan:
    """What to do with each file. Documents ingested by hand (no source ID) are left alone."""
    indexed: dict[str, Document] = {}
    for document in catalog.list_documents(course.id):
        if document.source_id is not None:
            indexed[document.source_id] = document
    refusals = {r.source_id: r for r in catalog.list_refused(course.id)}
    plan = RefreshPlan(course_id=course.id)
    listed = source.list_files()
    for file in listed:
        known = indexed.get(file.source_id)
        refused = refusals.get(file.source_id)
        if refused is not None and file.checksum is not None and file.checksum == refused.checksum:
            planned = PlannedFile("unchanged", file.source_id, file.name, file, known, refused)
        else:
            planned = PlannedFile(_action(file, known), file.source_id, file.name, file, known)
        plan.files.append(planned)
    seen = {f.source_id for f in listed}
    plan.forgotten = [r for source_id, r in refusals.items() if source_id not in seen]
    for source_id, document in sorted(indexed.items()):
        if source_id not in seen:
            plan.files.append(
                PlannedFile("deleted", source_id, document.filename, document=document)
            )
    return plan


def _action(file: SourceFile, known: Document | None) -> ItemAction:
    if known is None:
        return "new"
    same_bytes = file.checksum is not None and file.checksum == known.source_checksum
    return "unchanged" if same_bytes and file.name == known.filename else "changed"


def is_media(file: SourceFile) -> bool:
    mime = file.mime_type or ""
    suffix = PurePosixPath(file.name).suffix.lower()
    return mime.startswith(("audio/", "video/")) or suffix in MEDIA_SUFFIXES


@dataclass(frozen=True)
class Processed:
    """What processing one file did: indexed it, or found its content already indexed."""

    document: Document
    indexed: bool
    note: str | None = None


def process_document(
    pipeline: Pipeline,
    source: Source,
    course_id: str,
    file: SourceFile,
    steps: Steps | None = None,
) -> Processed:
    """Read -> extract -> chunk -> embed -> upsert -> record one new or changed file."""
    if steps is not None:
        steps.begin("read")
    data = source.read(file)
    origin = Origin(source_id=file.source_id, checksum=file.checksum)
    existing = pipeline.catalog.find_document(course_id, content_hash(data))
    if existing is not None and pipeline.originals is not None:
        # Perhaps indexed before originals were kept: the bytes are at hand now.
        pipeline.originals.keep(course_id, existing.content_hash, data)
    if existing is not None and existing.source_id not in (None, file.source_id):
        # The catalog keeps one document per content: a copy is not indexed twice.
        note = f"same content as {existing.filename}, which is indexed"
        return Processed(existing, indexed=False, note=note)
    if existing is not None and existing.filename == file.name:
        return Processed(_adopt(pipeline, existing, origin), indexed=False)
    document = index_document(pipeline, course_id, file.name, data, origin=origin, steps=steps)
    # The extractor's warnings (pages skipped, pages OCR'd) go into the job's report.
    return Processed(document, indexed=True, note="; ".join(document.warnings) or None)


def _adopt(pipeline: Pipeline, document: Document, origin: Origin) -> Document:
    """Content already indexed under this name: only the source's bookkeeping changes."""
    updated = document.model_copy(
        update={"source_id": origin.source_id, "source_checksum": origin.checksum}
    )
    if updated != document:
        pipeline.catalog.put_document(updated)
    remove_replaced(pipeline, updated)
    return updated
