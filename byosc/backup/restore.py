"""`byosc restore`: a stack rebuilt from a backup archive, into the configured data directory,
metadata DB, index and artifact store.

Nothing is written before every member matched its checksum, the archive's versions were
found readable, and the target was found empty (or `force` was given, which clears it).
The rows go in at the archive's schema revision, in one transaction; then the migrations
bring the database to this release's head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from byosc import migrations
from byosc.backup.archive import members, verify_archive
from byosc.backup.data_files import (
    artifacts_root,
    clear_files,
    destination,
    files_present,
    write_file,
)
from byosc.backup.db_load import RowFixes, RowLoader, clear_rows, prepare_schema, rows_present
from byosc.backup.index_points import (
    MEMBER,
    clear_points,
    import_points,
    open_owned_index,
    stored_dimension,
    total_points,
)
from byosc.backup.manifest import FORMAT_VERSION, MANIFEST_NAME, BackupRefused, Manifest
from byosc.settings import Settings

if TYPE_CHECKING:
    from byosc.backup.index_points import OwnedIndex


class RestoreReport(BaseModel):
    archive: str
    archive_revision: str
    schema_revision: str
    tables: dict[str, int]
    points: int
    files: int
    adapters: list[str]
    forced: bool
    notes: list[str]


def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> RestoreReport:
    if not archive.is_file():
        raise BackupRefused(f"{archive} is not a file")
    manifest = verify_archive(archive)
    _check_versions(manifest)
    url = settings.database_url
    rows, courses = rows_present(url)
    dimension = stored_dimension(settings)
    index = open_owned_index(settings, dimension) if dimension is not None else None
    try:
        known = sorted(set(courses) | set(manifest.index.per_course))
        points = total_points(index, known) if index is not None else 0
        found = _contents(settings, rows, courses, points)
        if found and not force:
            raise BackupRefused(
                f"the target is not empty: {'; '.join(found)}. Restore into an empty data "
                "directory and metadata DB, or give --force to replace what is there"
            )
        if force:
            clear_rows(url)
            clear_files(settings)
        index = _index_to_write(settings, manifest, index, dimension, known, force)
        report = _write(settings, archive, manifest, index)
    finally:
        if index is not None:
            index.close()
    report.forced = bool(found)
    return report


def _check_versions(manifest: Manifest) -> None:
    if manifest.format > FORMAT_VERSION:
        raise BackupRefused(
            f"the archive's format {manifest.format} is newer than this release reads "
            f"({FORMAT_VERSION}): restore it with BYOSC {manifest.byosc_version}"
        )
    if not migrations.knows(manifest.schema_revision):
        raise BackupRefused(
            f"the archive's schema revision {manifest.schema_revision} is newer than this "
            f"release's ({migrations.head()}): restore it with BYOSC {manifest.byosc_version}"
        )


def _contents(
    settings: Settings, rows: dict[str, int], courses: list[str], points: int
) -> list[str]:
    """What the target holds already, one phrase per place."""
    found = []
    if courses:
        found.append(f"courses {', '.join(courses)} in the metadata DB")
    others = {name: n for name, n in rows.items() if name != "courses"}
    if others:
        found.append(f"rows in {', '.join(f'{name} ({n})' for name, n in others.items())}")
    found += [f"{n} files under {place}" for place, n in files_present(settings).items()]
    if points:
        found.append(f"{points} points in the index ({settings.index.kind})")
    return found


def _index_to_write(
    settings: Settings,
    manifest: Manifest,
    index: OwnedIndex | None,
    dimension: int | None,
    courses: list[str],
    force: bool,
) -> OwnedIndex | None:
    wanted = manifest.index.dimension
    if wanted == 0:  # the stack backed up had no index
        return index
    if index is None:
        return open_owned_index(settings, wanted)
    if dimension != wanted and settings.index.kind != "edge":
        raise BackupRefused(
            f"collection {settings.index.collection} holds {dimension}-d vectors and the "
            f"archive {wanted}-d ones: restore into another collection"
        )
    # An empty Edge shard of another dimension is made again at the archive's.
    return clear_points(settings, index, courses, wanted) if force or dimension != wanted else index


def _write(
    settings: Settings, archive: Path, manifest: Manifest, index: OwnedIndex | None
) -> RestoreReport:
    prepare_schema(settings.database_url, manifest.schema_revision)
    local = settings.training.artifact_store == "local"
    fixes = RowFixes(
        taken_at=manifest.created_at,
        old_artifacts_uri=manifest.artifacts.root_uri,
        new_artifacts_uri=artifacts_root(settings).as_uri() if local else None,
    )
    notes: list[str] = []
    points = files = 0
    with RowLoader(settings.database_url, fixes) as loader:
        for name, stream in members(archive):
            if name.startswith("db/"):
                loader.load(name, stream)
            elif name == MEMBER:
                points = import_points(index, stream) if index is not None else 0
            elif name.startswith("adapters/") and not local:
                continue  # said once below
            elif name != MANIFEST_NAME:
                write_file(destination(settings, name), stream)
                files += 1
        if loader.loaded != manifest.database.tables:
            raise BackupRefused(
                f"loaded {loader.loaded} rows, the manifest counts {manifest.database.tables}"
            )
        _check_points(index, manifest)
        loader.commit()
    if manifest.artifacts.adapters and not local:
        notes.append(
            "the adapter files in the archive were not restored: the artifact store here is "
            f"{settings.training.artifact_store}; their records point where they were"
        )
    if manifest.artifacts.note:
        notes.append(manifest.artifacts.note)
    notes += [f"adapter {name} had no files when backed up" for name in manifest.artifacts.missing]
    change = migrations.upgrade(settings.database_url, "head")
    return RestoreReport(
        archive=str(archive),
        archive_revision=manifest.schema_revision,
        schema_revision=change.after or manifest.schema_revision,
        tables=loader.loaded,
        points=points,
        files=files,
        adapters=manifest.artifacts.adapters,
        forced=False,
        notes=notes,
    )


def _check_points(index: OwnedIndex | None, manifest: Manifest) -> None:
    for course_id, expected in manifest.index.per_course.items():
        found = index.count(course_id) if index is not None else 0
        if found != expected:
            raise BackupRefused(
                f"the index holds {found} points of course {course_id} after the restore; "
                f"the archive has {expected}"
            )
