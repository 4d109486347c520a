"""`byosc documents list|delete` in the embedded profile, in process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from byosc.bootstrap import open_catalog
from byosc.domain import RefusedFile, content_hash, refused_file_id
from byosc.settings import Settings
from byosc.sources import upload_dir
from byosc.uploads import save_uploads
from cli.main import app

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def env(tmp_path: Path, byosc_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOSC_HOME", str(byosc_home))
    monkeypatch.setenv("BYOSC_DATA_DIR", str(tmp_path / "data"))


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout  # stderr carries progress bars (model loading)


def _refused_upload(settings: Settings, course: str, name: str, data: bytes) -> str:
    """An uploaded file a refresh refused, as the worker records it."""
    save_uploads(settings, course, [(name, io.BytesIO(data))])
    refused_id = refused_file_id(course, name)
    catalog = open_catalog(settings)
    try:
        catalog.put_refused(
            RefusedFile(
                id=refused_id,
                course_id=course,
                source_id=name,
                filename=name,
                checksum=content_hash(data),
                reason="unreadable or corrupt PDF",
            )
        )
    finally:
        catalog.close()
    return refused_id


def test_documents_and_refused_files_are_listed_and_deleted_by_id(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_bytes(b"# Paging\n\nA page table maps pages to frames.\n")
    _invoke("courses", "create", "cli1")
    _invoke("ingest", "--course", "cli1", str(notes))
    refused_id = _refused_upload(Settings(), "cli1", "broken.pdf", b"%PDF-1.4 broken\n")

    listed = json.loads(_invoke("documents", "list", "--course", "cli1", "--json"))
    [document] = listed["documents"]
    assert document["filename"] == "notes.md" and document["chunks"] > 0
    assert [(r["id"], r["filename"]) for r in listed["refused"]] == [(refused_id, "broken.pdf")]
    text = _invoke("documents", "list", "--course", "cli1")
    assert f"{refused_id}\tbroken.pdf\trefused: unreadable or corrupt PDF" in text

    deleted = json.loads(
        _invoke("documents", "delete", "--course", "cli1", document["id"], "--json")
    )
    assert deleted == {"deleted": document["id"], "filename": "notes.md"}
    assert "deleted broken.pdf" in _invoke("documents", "delete", "--course", "cli1", refused_id)

    assert json.loads(_invoke("documents", "list", "--course", "cli1", "--json")) == {
        "documents": [],
        "refused": [],
    }
    assert list(upload_dir(Settings(), "cli1").iterdir()) == []
    again = CliRunner().invoke(app, ["documents", "delete", "--course", "cli1", refused_id])
    assert again.exit_code == 1 and f"no document {refused_id}" in again.output
