"""Backups that restore: the sample course, ingested by the real pipeline from its uploads
with a real LoRA adapter registered, backed up and restored into an empty data directory
(SQLite), into PostgreSQL, and from there back into SQLite. The restored stack finds the
same passages for the same questions, in the same order, and holds the same adapter."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from byosc.backup import create_backup, restore_backup
from byosc.domain import Course
from byosc.models import bundled_models
from byosc.refresh import plan_refresh, process_document
from byosc.settings import BASE_MODEL_NAME, DatabaseSettings, Settings
from byosc.training.models import AdapterRecord, Hyperparameters
from byosc.uploads import accept_uploads
from cli.runtime import Runtime
from tests.support.lora import make_lora_adapter
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.slow

MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
QUESTIONS = MATERIAL.parent / "questions.txt"
COURSE = "cs140"
ADAPTER = f"{COURSE}-v1"


def _ingest_sample_course(settings: Settings, adapter_dir: Path) -> None:
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id=COURSE, name="Operating Systems"))
        files = sorted(MATERIAL.iterdir())
        streams = [(path.name, path.open("rb")) for path in files]
        saved = accept_uploads(rt.catalog, settings, COURSE, streams)
        for _, stream in streams:
            stream.close()
        assert saved.saved == [path.name for path in files]
        course = rt.catalog.get_course(COURSE)
        assert course is not None
        source = rt.source(course)
        for planned in plan_refresh(course, source, rt.catalog).files:
            assert planned.file is not None
            process_document(rt.pipeline, source, COURSE, planned.file)
        record = AdapterRecord(
            name=ADAPTER, course_id=COURSE, version=1, dataset_version=1,
            base_model=BASE_MODEL_NAME, base_model_sha256="0" * 64,
            hyperparameters=Hyperparameters(rank=4),
            uri=rt.artifacts.put_dir(f"{COURSE}/{ADAPTER}", adapter_dir),
        )  # fmt: skip
        rt.adapter_registry.add(record)
        rt.adapter_registry.promote(ADAPTER, force=True)


def _checksums(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _stack(settings: Settings) -> dict[str, Any]:
    """What a user of the stack sees: each question's passages in order, the documents,
    the adapter's record and files, the uploads and the kept originals."""
    questions = QUESTIONS.read_text().splitlines()
    with Runtime(settings) as rt:
        searches = {
            question: [
                (hit.chunk.document_id, hit.chunk.filename, hit.chunk.page, hit.chunk.start_s)
                for hit in rt.chat.search(COURSE, question, 5)
            ]
            for question in questions
        }
        documents = sorted((d.id, d.filename, d.chunks) for d in rt.catalog.list_documents(COURSE))
        record = rt.adapter_registry.get(ADAPTER)
        files = _checksums(rt.artifacts.fetch_dir(record.uri, settings.data_path / "fetched"))
    return {
        "searches": searches,
        "documents": documents,
        "adapter": record.model_dump(exclude={"uri"}),
        "adapter files": files,
        "uploads": _checksums(settings.data_path / "uploads"),
        "originals": _checksums(settings.data_path / "originals"),
    }


@pytest.fixture(scope="module")
def backed_up(
    tmp_path_factory: pytest.TempPathFactory, byosc_home: Path
) -> tuple[Path, dict[str, Any]]:
    """The archive of the sample course's stack, and that stack as its users saw it."""
    root = tmp_path_factory.mktemp("backup")
    settings = Settings(home=byosc_home, data_dir=root / "source")
    llm_dir = bundled_models(settings).llm_dir
    _ingest_sample_course(settings, make_lora_adapter(llm_dir, root / "lora", seed=1))
    before = _stack(settings)
    assert len(before["documents"]) == 5 and before["adapter"]["state"] == "active"
    assert all(before["searches"].values()) and before["adapter files"]
    manifest = create_backup(settings, root / "cs140.tar.gz")
    assert manifest.database.dialect == "sqlite"
    assert manifest.database.tables["documents"] == 5
    assert manifest.index.points == sum(chunks for *_, chunks in before["documents"])
    assert manifest.artifacts.adapters == [ADAPTER]
    return root / "cs140.tar.gz", before


def test_a_backup_restored_into_an_empty_data_directory_finds_the_same_passages_and_adapter(
    backed_up: tuple[Path, dict[str, Any]], tmp_path: Path, byosc_home: Path
) -> None:
    archive, before = backed_up
    target = Settings(home=byosc_home, data_dir=tmp_path / "restored")
    report = restore_backup(target, archive)
    assert report.tables["documents"] == 5 and report.adapters == [ADAPTER]
    assert _stack(target) == before
    with Runtime(target) as rt:
        uri = rt.adapter_registry.get(ADAPTER).uri
    assert uri.startswith((tmp_path / "restored").as_uri())


def test_a_sqlite_backup_restores_into_postgresql_and_a_backup_of_that_into_sqlite_again(
    backed_up: tuple[Path, dict[str, Any]], tmp_path: Path, byosc_home: Path
) -> None:
    archive, before = backed_up
    with fresh_database("byosc_backup") as url:
        on_postgres = Settings(
            home=byosc_home, data_dir=tmp_path / "pg", database=DatabaseSettings(url=url)
        )
        restore_backup(on_postgres, archive)
        assert _stack(on_postgres) == before
        manifest = create_backup(on_postgres, tmp_path / "from-postgres.tar")
        assert manifest.database.dialect == "postgresql"
    back = Settings(home=byosc_home, data_dir=tmp_path / "back")
    restore_backup(back, tmp_path / "from-postgres.tar")
    assert _stack(back) == before
