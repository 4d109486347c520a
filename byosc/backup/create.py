"""`byosc backup`: one archive of a stack's metadata DB, index, adapters, uploads and kept
originals, with a manifest of versions, counts and checksums.

Order matters for consistency: the index is opened first (an Edge shard then belongs to
this process, so nothing writes it until the backup closes it), then the metadata DB's
snapshot is taken, then the index's points are read and checked against that snapshot.
Files come last: uploads and originals are written whole and renamed, adapter directories
never change, and those without a record in the snapshot are left out.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from byosc.backup.archive import ArchiveWriter
from byosc.backup.data_files import adapter_files, stack_files
from byosc.backup.db_dump import DbSnapshot, dump_database
from byosc.backup.index_points import MEMBER, export_points, open_owned_index, stored_dimension
from byosc.backup.manifest import (
    BackupRefused,
    DatabasePart,
    IndexPart,
    Manifest,
    byosc_version,
)
from byosc.domain import utcnow
from byosc.settings import Settings


def create_backup(settings: Settings, out: Path) -> Manifest:
    """Writes the archive to `out` (refused if it exists) and returns its manifest."""
    out = out.expanduser().resolve()
    if out.exists():
        raise BackupRefused(f"{out} exists already: give the backup another name")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".byosc-backup-") as tmp:
        staging = Path(tmp)
        snapshot, index_part = _snapshot(settings, staging)
        artifacts, adapters = adapter_files(settings, snapshot.adapter_uris)
        writer = ArchiveWriter(out)
        try:
            for member, path in snapshot.files.items():
                writer.add_file(member, path)
            writer.add_file(MEMBER, staging / MEMBER)
            for member, path in adapters:
                if not writer.add_file(member, path):
                    raise BackupRefused(f"{path} was removed while the backup read it")
            for member, path in stack_files(settings):
                writer.add_file(member, path)  # one removed meanwhile is left out
            manifest = Manifest(
                byosc_version=byosc_version(),
                schema_revision=snapshot.revision,
                created_at=utcnow(),
                database=DatabasePart(dialect=snapshot.dialect, tables=snapshot.tables),
                index=index_part,
                artifacts=artifacts,
                files=dict(writer.files),
            )
            writer.add_manifest(manifest)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
    return manifest


def _snapshot(settings: Settings, staging: Path) -> tuple[DbSnapshot, IndexPart]:
    points = staging / MEMBER
    points.parent.mkdir(parents=True, exist_ok=True)
    dimension = stored_dimension(settings)
    if dimension is None:
        snapshot = dump_database(settings.database_url, staging)
        if snapshot.documents:
            raise BackupRefused(
                f"the metadata DB records {len(snapshot.documents)} documents but there is "
                f"no index ({settings.index.kind}) to back up with them"
            )
        points.write_text("")
        return snapshot, IndexPart(kind=settings.index.kind, dimension=0, points=0, per_course={})
    index = open_owned_index(settings, dimension)
    try:
        snapshot = dump_database(settings.database_url, staging)
        with points.open("w", encoding="utf-8") as out:
            part = export_points(index, snapshot.documents, out)
    finally:
        index.close()
    return snapshot, part
