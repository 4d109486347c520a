"""The manifest of a prepared model directory and the problems found against it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from byosc.models.manifest import (
    MANIFEST_NAME,
    Source,
    build_manifest,
    problems,
    read_manifest,
    write_manifest,
)

SOURCE = Source(package="example-models", version="1.0")


def _prepared(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "weights.bin").write_bytes(b"0123456789")
    (root / "sub" / "config.json").write_text("{}")
    write_manifest(root, build_manifest(root, "example", SOURCE))
    return root


def test_the_manifest_lists_every_file_with_size_and_sha256(tmp_path: Path) -> None:
    manifest = read_manifest(_prepared(tmp_path))
    assert manifest is not None
    assert set(manifest.files) == {"weights.bin", "sub/config.json"}
    entry = manifest.files["weights.bin"]
    assert (entry.size, entry.sha256) == (10, hashlib.sha256(b"0123456789").hexdigest())


def test_a_prepared_directory_has_no_problems(tmp_path: Path) -> None:
    assert problems(_prepared(tmp_path), deep=True) == []


def test_a_missing_directory_is_not_prepared(tmp_path: Path) -> None:
    assert problems(tmp_path / "absent", deep=False) == ["not prepared"]


def test_an_unreadable_manifest_means_incomplete(tmp_path: Path) -> None:
    root = _prepared(tmp_path)
    (root / MANIFEST_NAME).write_text("{not json")
    assert problems(root, deep=False) == [f"incomplete: {MANIFEST_NAME} is missing or unreadable"]


def test_only_the_deep_check_sees_changed_bytes_of_the_same_length(tmp_path: Path) -> None:
    root = _prepared(tmp_path)
    (root / "weights.bin").write_bytes(b"9876543210")
    assert problems(root, deep=False) == []
    assert problems(root, deep=True) == [
        "weights.bin is corrupted (sha256 differs from the manifest)"
    ]
