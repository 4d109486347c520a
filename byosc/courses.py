"""Creating and deleting courses, with the checks the API and the CLI share."""

from __future__ import annotations

import shutil

from byosc.domain import Course, SourceSpec
from byosc.errors import NotFound
from byosc.originals import OriginalStore
from byosc.ports import ArtifactStore, Catalog, DatasetStore, SearchIndex
from byosc.settings import Settings
from byosc.training.registry import SqlAdapterRegistry


def check_source(spec: SourceSpec, settings: Settings) -> None:
    """Refuses a local folder outside the allowed roots before any course points at it.

    A Drive source is taken on its folder ID alone: reaching Drive is the refresh's job."""
    if spec.kind == "local":
        from byosc.sources import open_source

        open_source(spec, settings)


def create_course(catalog: Catalog, settings: Settings, course: Course) -> Course:
    check_source(course.source, settings)
    return catalog.create_course(course)


def delete_course(
    catalog: Catalog,
    index: SearchIndex,
    settings: Settings,
    course_id: str,
    *,
    datasets: DatasetStore | None = None,
    adapters: tuple[SqlAdapterRegistry, ArtifactStore] | None = None,
) -> None:
    """Vectors, dataset versions, adapters and their artifacts, then rows (jobs go with the
    course), then the uploaded and original files. Safe to repeat after a failure part-way."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    index.delete_course(course_id)
    if datasets is not None:
        datasets.delete_course(course_id)
    if adapters is not None:
        registry, artifacts = adapters
        for record in registry.list(course_id):
            artifacts.delete(record.uri)
        registry.delete_course(course_id)
    catalog.delete_course(course_id)
    from byosc.sources import upload_dir

    shutil.rmtree(upload_dir(settings, course_id), ignore_errors=True)
    OriginalStore.from_settings(settings).remove_course(course_id)
