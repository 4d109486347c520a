"""A small real stack for backup tests: one course with one three-chunk document in SQLite
and a Qdrant Edge shard, its upload and its kept original. Vectors are given, so no model
loads."""

from __future__ import annotations

import random

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Chunk, Course, Document, chunk_id, content_hash, document_id
from byosc.index.edge import EdgeIndex
from byosc.settings import Settings

NOTES = b"# Paging\nA TLB caches page-table entries.\n"
DIMENSION = 8


def notes_chunks(course_id: str, doc: str, digest: str, n: int) -> list[Chunk]:
    return [
        Chunk(id=chunk_id(course_id, digest, i), course_id=course_id, document_id=doc, index=i,
              text=f"part {i} of the paging notes", title="Paging", filename="notes.md")
        for i in range(n)
    ]  # fmt: skip


def vectors(n: int, seed: int = 0) -> list[list[float]]:
    draw = random.Random(seed)
    return [[draw.uniform(-1.0, 1.0) for _ in range(DIMENSION)] for _ in range(n)]


def small_stack(settings: Settings) -> Document:
    digest = content_hash(NOTES)
    doc = Document(
        id=document_id("os", digest), course_id="os", filename="notes.md", title="Paging",
        content_hash=digest, media_type="text/markdown", sections=1, chunks=3,
    )  # fmt: skip
    catalog = SqlCatalog(settings.database_url)
    catalog.create_course(Course(id="os", name="Operating Systems"))
    index = EdgeIndex(settings.index_path, DIMENSION)
    index.upsert(notes_chunks("os", doc.id, digest, 3), vectors(3))
    index.close()
    catalog.put_document(doc)
    catalog.engine.dispose()
    for folder, name in (("uploads/os", "notes.md"), ("originals/os", digest)):
        (settings.data_path / folder).mkdir(parents=True, exist_ok=True)
        (settings.data_path / folder / name).write_bytes(NOTES)
    return doc
