"""open_source builds the adapter a course's SourceSpec names, from settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from byosc.domain import SourceSpec
from byosc.errors import SourceRefused
from byosc.settings import Settings, SourceSettings
from byosc.sources import open_source, upload_dir
from byosc.sources.drive import DriveSource
from byosc.sources.local import LocalFolderSource

FOLDER_ID = "1RootFolderAbcdefghij"


def _service_account_key(path: Path) -> Path:
    """A syntactically real key: google-auth parses it without contacting Google."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "byosc-test",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "ingest@byosc-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))
    return path


def test_a_local_spec_opens_a_folder_under_an_allowed_root(tmp_path: Path) -> None:
    (tmp_path / "course").mkdir()
    settings = Settings(sources=SourceSettings(allowed_roots=[tmp_path]))

    source = open_source(SourceSpec(kind="local", path=str(tmp_path / "course")), settings)

    assert isinstance(source, LocalFolderSource)
    assert source.max_bytes == settings.max_upload_bytes


def test_an_upload_spec_opens_the_courses_upload_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    source = open_source(SourceSpec(kind="upload"), settings, course_id="cs101")
    (upload_dir(settings, "cs101") / "notes.md").write_text("# Paging")

    assert upload_dir(settings, "cs101") == tmp_path / "data" / "uploads" / "cs101"
    assert [f.source_id for f in source.list_files()] == ["notes.md"]


def test_an_upload_spec_without_a_course_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="course ID"):
        open_source(SourceSpec(kind="upload"), Settings(data_dir=tmp_path))


@pytest.mark.parametrize("course_id", ["..", "../other", "a/b", ""])
def test_an_upload_folder_cannot_leave_the_uploads_directory(
    tmp_path: Path, course_id: str
) -> None:
    with pytest.raises(SourceRefused):
        upload_dir(Settings(data_dir=tmp_path), course_id)


def test_a_drive_spec_without_credentials_says_which_setting_to_set() -> None:
    spec = SourceSpec(kind="gdrive", folder_id=FOLDER_ID)

    with pytest.raises(SourceRefused, match="BYOSC_SOURCES__GDRIVE_CREDENTIALS"):
        open_source(spec, Settings())


def test_a_drive_spec_with_a_missing_key_file_names_it(tmp_path: Path) -> None:
    key = tmp_path / "absent.json"
    settings = Settings(sources=SourceSettings(gdrive_credentials=key))

    with pytest.raises(SourceRefused, match=str(key)):
        open_source(SourceSpec(kind="gdrive", folder_id=FOLDER_ID), settings)


def test_a_drive_spec_with_a_malformed_key_file_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text('{"type": "service_account"}')
    settings = Settings(sources=SourceSettings(gdrive_credentials=key))

    with pytest.raises(SourceRefused, match="not a service-account JSON key"):
        open_source(SourceSpec(kind="gdrive", folder_id=FOLDER_ID), settings)


def test_a_drive_spec_with_a_service_account_key_builds_offline(tmp_path: Path) -> None:
    key = _service_account_key(tmp_path / "key.json")
    settings = Settings(sources=SourceSettings(gdrive_credentials=key), max_upload_bytes=1000)

    source = open_source(SourceSpec(kind="gdrive", folder_id=FOLDER_ID), settings)

    assert isinstance(source, DriveSource)
    assert (source.folder_id, source.max_bytes) == (FOLDER_ID, 1000)
    assert source.service.files().list(q="x").uri.startswith("https://www.googleapis.com/drive/v3")
