"""Artifact stores: a stored adapter directory comes back whole, or is not there at all."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from byosc.errors import AlreadyExists, ByoscError, NotFound
from byosc.training import artifacts
from byosc.training.artifacts import LocalArtifactStore, S3ArtifactStore

FILES = {
    "adapter_config.json": b'{"peft_type": "LORA"}',
    "adapter_model.safetensors": bytes(range(256)) * 64,
    "tokenizer/tokenizer.json": '{"ünïcode": true}'.encode(),
}


@pytest.fixture
def adapter_dir(tmp_path: Path) -> Path:
    root = tmp_path / "trained"
    for name, data in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_stored_directory_comes_back_with_every_file(tmp_path: Path, adapter_dir: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    uri = store.put_dir("cs140/cs140-v1", adapter_dir)
    assert uri.startswith("file://") and uri.endswith("/store/cs140/cs140-v1")
    fetched = store.fetch_dir(uri, tmp_path / "fetched")
    assert _contents(fetched) == FILES
    shutil.rmtree(adapter_dir)
    assert _contents(store.fetch_dir(uri, tmp_path / "fetched")) == FILES


def test_a_key_is_stored_once_and_never_overwritten(tmp_path: Path, adapter_dir: Path) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    uri = store.put_dir("cs140/cs140-v1", adapter_dir)
    (adapter_dir / "adapter_config.json").write_text("changed")
    with pytest.raises(AlreadyExists):
        store.put_dir("cs140/cs140-v1", adapter_dir)
    assert (
        _contents(store.fetch_dir(uri, tmp_path))["adapter_config.json"]
        == FILES["adapter_config.json"]
    )


def test_a_copy_that_fails_half_way_leaves_nothing_behind(
    tmp_path: Path, adapter_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def copy_one_then_fail(source: Path, dest: Path, **_: Any) -> None:
        dest.mkdir(parents=True)
        shutil.copy(source / "adapter_config.json", dest)
        raise OSError("disk full")

    monkeypatch.setattr(artifacts.shutil, "copytree", copy_one_then_fail)
    store = LocalArtifactStore(tmp_path / "store")
    with pytest.raises(OSError, match="disk full"):
        store.put_dir("cs140/cs140-v1", adapter_dir)
    assert list((tmp_path / "store" / "cs140").iterdir()) == []
    monkeypatch.undo()
    uri = store.put_dir("cs140/cs140-v1", adapter_dir)
    assert _contents(store.fetch_dir(uri, tmp_path)) == FILES


def test_a_deleted_artifact_is_gone_and_deleting_again_is_harmless(
    tmp_path: Path, adapter_dir: Path
) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    kept = store.put_dir("cs140/cs140-v1", adapter_dir)
    uri = store.put_dir("cs140/cs140-v2", adapter_dir)
    store.delete(uri)
    store.delete(uri)
    with pytest.raises(NotFound):
        store.fetch_dir(uri, tmp_path)
    assert _contents(store.fetch_dir(kept, tmp_path)) == FILES


@pytest.mark.parametrize("key", ["", "/etc/x", "../outside", "cs140/../../x", "a//b", "a/./b"])
def test_keys_that_could_leave_the_store_are_refused(
    tmp_path: Path, adapter_dir: Path, key: str
) -> None:
    with pytest.raises(ByoscError, match="relative path"):
        LocalArtifactStore(tmp_path / "store").put_dir(key, adapter_dir)


@pytest.mark.parametrize("uri", ["file:///etc", "s3://bucket/cs140/cs140-v1", "file:///"])
def test_uris_outside_the_store_are_not_found(tmp_path: Path, uri: str) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    with pytest.raises(NotFound):
        store.fetch_dir(uri, tmp_path)
    with pytest.raises(NotFound):
        store.delete(uri)


def test_an_s3_bucket_round_trips_a_directory(tmp_path: Path, adapter_dir: Path) -> None:
    pytest.importorskip("boto3", reason="boto3 is not installed (S3 artifact store extra)")
    moto = pytest.importorskip("moto", reason="moto is not installed: no S3 to test against")
    import boto3

    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="adapters")
        store = S3ArtifactStore("adapters", "byosc/", client)
        uri = store.put_dir("cs140/cs140-v1", adapter_dir)
        assert uri == "s3://adapters/byosc/cs140/cs140-v1"
        with pytest.raises(AlreadyExists):
            store.put_dir("cs140/cs140-v1", adapter_dir)
        fetched = store.fetch_dir(uri, tmp_path / "fetched")
        assert _contents(fetched) == FILES
        store.delete(uri)
        with pytest.raises(NotFound):
            store.fetch_dir(uri, tmp_path / "elsewhere")
