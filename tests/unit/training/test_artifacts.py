"""Artifact stores: a stored adapter directory comes back whole, or is not there at all.

One contract, run against the local directory and an S3 bucket alike. The bucket is moto's
S3 server, started in this process on a free port and reached over HTTP by boto3, as a
MinIO or AWS endpoint would be."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from byosc.errors import AlreadyExists, ByoscError, NotFound
from byosc.ports import ArtifactStore
from byosc.training import artifacts
from byosc.training.artifacts import LocalArtifactStore, S3ArtifactStore, artifact_store
from byosc.training.settings import TrainingSettings

FILES = {
    "adapter_config.json": b'{"peft_type": "LORA"}',
    "adapter_model.safetensors": bytes(range(256)) * 64,
    "tokenizer/tokenizer.json": '{"ünïcode": true}'.encode(),
}


@dataclass
class StoreCase:
    store: ArtifactStore
    # URIs the store must not reach: its own root, another store's, another kind's.
    outside: list[str]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _s3_store(endpoint: str, bucket: str, data_path: Path) -> S3ArtifactStore:
    settings = TrainingSettings(
        artifact_store="s3",
        s3_endpoint_url=endpoint,
        s3_bucket=bucket,
        s3_prefix="byosc/",
        s3_region="us-east-1",
        s3_access_key_id="test-key",
        s3_secret_access_key=SecretStr("test-secret"),
    )
    store = artifact_store(settings, data_path)
    assert isinstance(store, S3ArtifactStore)
    return store


@pytest.fixture(params=["local", "s3"])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> StoreCase:
    if request.param == "local":
        store = artifact_store(TrainingSettings(artifacts_dir=tmp_path / "store"), tmp_path)
        assert isinstance(store, LocalArtifactStore)
        root = store.root.as_uri()
        return StoreCase(store, [root, "file:///etc", "file:///", "s3://adapters/byosc/cs140"])
    bucket = f"adapters-{uuid.uuid4().hex[:12]}"  # a fresh bucket: tests share the server
    s3 = _s3_store(request.getfixturevalue("s3_endpoint"), bucket, tmp_path)
    s3.client.create_bucket(Bucket=bucket)
    outside = [
        f"s3://{bucket}/byosc",
        f"s3://{bucket}/",
        f"s3://{bucket}/other/cs140/cs140-v1",
        "s3://another-bucket/byosc/cs140/cs140-v1",
        f"file:///{bucket}/byosc/cs140/cs140-v1",
    ]
    return StoreCase(s3, outside)


@pytest.fixture
def adapter_dir(tmp_path: Path) -> Path:
    root = tmp_path / "trained"
    for name, data in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_stored_directory_comes_back_with_every_file(
    case: StoreCase, tmp_path: Path, adapter_dir: Path
) -> None:
    uri = case.store.put_dir("cs140/cs140-v1", adapter_dir)
    assert uri.endswith("/cs140/cs140-v1")
    fetched = case.store.fetch_dir(uri, tmp_path / "fetched")
    assert _contents(fetched) == FILES
    shutil.rmtree(adapter_dir)
    assert _contents(case.store.fetch_dir(uri, tmp_path / "fetched-again")) == FILES


def test_a_local_artifact_is_named_by_its_file_uri(tmp_path: Path, adapter_dir: Path) -> None:
    local = LocalArtifactStore(tmp_path / "store")
    uri = local.put_dir("cs140/cs140-v1", adapter_dir)
    assert uri == (tmp_path / "store" / "cs140" / "cs140-v1").resolve().as_uri()


def test_an_s3_artifact_is_named_by_bucket_prefix_and_key(
    s3_endpoint: str, tmp_path: Path, adapter_dir: Path
) -> None:
    store = _s3_store(s3_endpoint, "named-adapters", tmp_path)
    store.client.create_bucket(Bucket="named-adapters")
    assert (
        store.put_dir("cs140/cs140-v1", adapter_dir) == "s3://named-adapters/byosc/cs140/cs140-v1"
    )


def test_a_key_is_stored_once_and_never_overwritten(
    case: StoreCase, tmp_path: Path, adapter_dir: Path
) -> None:
    uri = case.store.put_dir("cs140/cs140-v1", adapter_dir)
    (adapter_dir / "adapter_config.json").write_text("changed")
    with pytest.raises(AlreadyExists):
        case.store.put_dir("cs140/cs140-v1", adapter_dir)
    stored = _contents(case.store.fetch_dir(uri, tmp_path / "fetched"))
    assert stored["adapter_config.json"] == FILES["adapter_config.json"]


def _fail_after_one_file(case: StoreCase, monkeypatch: pytest.MonkeyPatch) -> None:
    if isinstance(case.store, LocalArtifactStore):

        def copy_one_then_fail(source: Path, dest: Path, **_: Any) -> None:
            dest.mkdir(parents=True)
            shutil.copy(source / "adapter_config.json", dest)
            raise OSError("disk full")

        monkeypatch.setattr(artifacts.shutil, "copytree", copy_one_then_fail)
        return
    assert isinstance(case.store, S3ArtifactStore)
    client = case.store.client
    upload = client.upload_file
    uploaded: list[str] = []

    def upload_one_then_fail(filename: str, bucket: str, key: str) -> None:
        if uploaded:
            raise OSError("connection reset")
        uploaded.append(key)
        upload(filename, bucket, key)

    monkeypatch.setattr(client, "upload_file", upload_one_then_fail)


def test_a_copy_that_fails_half_way_leaves_no_artifact_and_can_be_retried(
    case: StoreCase, tmp_path: Path, adapter_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_after_one_file(case, monkeypatch)
    with pytest.raises(OSError, match=r"disk full|connection reset"):
        case.store.put_dir("cs140/cs140-v1", adapter_dir)
    monkeypatch.undo()
    uri = case.store.put_dir("cs140/cs140-v1", adapter_dir)
    assert _contents(case.store.fetch_dir(uri, tmp_path / "fetched")) == FILES


def test_a_local_copy_that_fails_half_way_leaves_no_files(
    tmp_path: Path, adapter_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalArtifactStore(tmp_path / "store")
    _fail_after_one_file(StoreCase(store, []), monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        store.put_dir("cs140/cs140-v1", adapter_dir)
    assert list((tmp_path / "store" / "cs140").iterdir()) == []


def test_an_s3_upload_that_fails_half_way_is_not_found_and_leaves_no_objects(
    s3_endpoint: str, tmp_path: Path, adapter_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _s3_store(s3_endpoint, "half-uploads", tmp_path)
    store.client.create_bucket(Bucket="half-uploads")
    _fail_after_one_file(StoreCase(store, []), monkeypatch)
    with pytest.raises(OSError, match="connection reset"):
        store.put_dir("cs140/cs140-v1", adapter_dir)
    with pytest.raises(NotFound):
        store.fetch_dir("s3://half-uploads/byosc/cs140/cs140-v1", tmp_path / "fetched")
    assert store.client.list_objects_v2(Bucket="half-uploads").get("Contents", []) == []


def test_a_deleted_artifact_is_gone_and_deleting_again_is_harmless(
    case: StoreCase, tmp_path: Path, adapter_dir: Path
) -> None:
    kept = case.store.put_dir("cs140/cs140-v1", adapter_dir)
    uri = case.store.put_dir("cs140/cs140-v2", adapter_dir)
    case.store.delete(uri)
    case.store.delete(uri)
    with pytest.raises(NotFound):
        case.store.fetch_dir(uri, tmp_path / "fetched")
    assert _contents(case.store.fetch_dir(kept, tmp_path / "fetched")) == FILES


@pytest.mark.parametrize("key", ["", "/etc/x", "../outside", "cs140/../../x", "a//b", "a/./b"])
def test_keys_that_could_leave_the_store_are_refused(
    case: StoreCase, adapter_dir: Path, key: str
) -> None:
    with pytest.raises(ByoscError, match="relative path"):
        case.store.put_dir(key, adapter_dir)


def test_uris_outside_the_store_are_not_found_and_delete_nothing(
    case: StoreCase, tmp_path: Path, adapter_dir: Path
) -> None:
    kept = case.store.put_dir("cs140/cs140-v1", adapter_dir)
    for uri in case.outside:
        with pytest.raises(NotFound):
            case.store.fetch_dir(uri, tmp_path / "fetched")
        with pytest.raises(NotFound):
            case.store.delete(uri)
    assert _contents(case.store.fetch_dir(kept, tmp_path / "fetched")) == FILES
