"""Where adapter directories are kept: a local directory (a shared volume in production) or an
S3-compatible bucket. A stored directory never changes; a new adapter gets a new key."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from byosc.errors import AlreadyExists, ByoscError, NotFound

if TYPE_CHECKING:
    from byosc.ports import ArtifactStore
    from byosc.training.settings import TrainingSettings


def check_key(key: str) -> PurePosixPath:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(part in {"", ".", ".."} for part in key.split("/")):
        raise ByoscError(f"artifact key {key!r} must be a relative path without '.' or '..'")
    return path


class LocalArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()

    def put_dir(self, key: str, local_dir: Path) -> str:
        dest = self.root / check_key(key)
        if dest.exists():
            raise AlreadyExists(f"artifact {key} already exists; artifacts never change")
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Copied beside its final place, then renamed: readers see all of it or nothing.
        staging = dest.parent / f".{dest.name}.{uuid.uuid4().hex}.tmp"
        try:
            shutil.copytree(local_dir, staging)
            staging.rename(dest)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if dest.exists():
                raise AlreadyExists(
                    f"artifact {key} already exists; artifacts never change"
                ) from exc
            raise
        return dest.as_uri()

    def fetch_dir(self, uri: str, dest_dir: Path) -> Path:
        """The stored directory itself: it is local already, so nothing is copied."""
        path = self._path(uri)
        if not path.is_dir():
            raise NotFound(f"artifact {uri} does not exist")
        return path

    def delete(self, uri: str) -> None:
        shutil.rmtree(self._path(uri), ignore_errors=True)

    def _path(self, uri: str) -> Path:
        parsed = urlparse(uri)
        path = Path(unquote(parsed.path)).resolve()
        if parsed.scheme != "file" or not path.is_relative_to(self.root) or path == self.root:
            raise NotFound(f"artifact {uri} is not in the store at {self.root}")
        return path


def _is_key(key: str) -> bool:
    try:
        check_key(key)
    except ByoscError:
        return False
    return True


COMPLETE = ".complete"  # written last: an artifact without it was never fully uploaded


class S3ArtifactStore:
    """An S3-compatible bucket (AWS S3, MinIO) through boto3, installed separately."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client

    def put_dir(self, key: str, local_dir: Path) -> str:
        base = "/".join(p for p in (self.prefix, str(check_key(key))) if p)
        existing = self._keys(f"{base}/")
        if f"{base}/{COMPLETE}" in existing:
            raise AlreadyExists(f"artifact {key} already exists; artifacts never change")
        # Objects without the marker are what a failed upload left: replaced, never kept.
        self._delete_keys(existing)
        files = sorted(p for p in local_dir.rglob("*") if p.is_file())
        try:
            for file in files:
                target = f"{base}/{file.relative_to(local_dir).as_posix()}"
                self.client.upload_file(str(file), self.bucket, target)
            self.client.put_object(Bucket=self.bucket, Key=f"{base}/{COMPLETE}", Body=b"")
        except Exception:
            # Best effort: the upload's own error is the one to raise, and a later put
            # replaces whatever this cleanup could not remove.
            with contextlib.suppress(Exception):
                self._delete_keys(self._keys(f"{base}/"))
            raise
        return f"s3://{self.bucket}/{base}"

    def fetch_dir(self, uri: str, dest_dir: Path) -> Path:
        base = self._base(uri)
        dest = dest_dir / base
        if dest.is_dir():
            return dest  # fetched before, and artifacts never change
        keys = self._keys(f"{base}/")
        if f"{base}/{COMPLETE}" not in keys:
            raise NotFound(f"artifact {uri} does not exist or was never fully uploaded")
        staging = dest.parent / f".{dest.name}.{uuid.uuid4().hex}.tmp"
        try:
            for key in keys:
                target = staging / key.removeprefix(f"{base}/")
                target.parent.mkdir(parents=True, exist_ok=True)
                self.client.download_file(self.bucket, key, str(target))
            (staging / COMPLETE).unlink(missing_ok=True)
            staging.rename(dest)
        except OSError:
            if not dest.is_dir():  # else another fetch of the same artifact finished first
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return dest

    def delete(self, uri: str) -> None:
        self._delete_keys(self._keys(f"{self._base(uri)}/"))

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # delete_objects takes at most 1000 keys
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})

    def _base(self, uri: str) -> str:
        """The URI's key prefix, if it names something below the store's prefix: the prefix
        itself, or a key outside it, would reach other artifacts (or all of them)."""
        parsed = urlparse(uri)
        base = parsed.path.strip("/")
        key = base.removeprefix(f"{self.prefix}/") if self.prefix else base
        inside = parsed.scheme == "s3" and parsed.netloc == self.bucket
        if not inside or (self.prefix and key == base) or not _is_key(key):
            raise NotFound(
                f"artifact {uri} is not in the store at s3://{self.bucket}/{self.prefix}"
            )
        return base

    def _keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


def artifact_store(training: TrainingSettings, data_path: Path) -> ArtifactStore:
    if training.artifact_store == "local":
        return LocalArtifactStore(training.artifacts_path(data_path))
    try:
        import boto3
    except ModuleNotFoundError as exc:  # at start, not at the first adapter trained
        raise ByoscError("training.artifact_store=s3 needs boto3: install byosc[s3]") from exc

    secret = training.s3_secret_access_key
    client = boto3.client(
        "s3",
        endpoint_url=training.s3_endpoint_url,
        region_name=training.s3_region,
        aws_access_key_id=training.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
    )
    return S3ArtifactStore(training.s3_bucket or "", training.s3_prefix, client)
