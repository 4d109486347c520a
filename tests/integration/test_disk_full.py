"""A data directory whose disk is (nearly) full: uploads are refused 507 with the reason,
kept originals and index writes raise StorageFull instead of writing (an Edge shard's memory
maps on a full disk would kill its owner with SIGBUS), and /readyz is degraded naming the
room left. The threshold is raised above the free space here, so the real file system
looks full; tests/e2e/test_faults_servers.py fills a real tmpfs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from byosc import disk_room
from byosc.disk_room import StorageFull
from byosc.index.edge import EdgeIndex
from byosc.originals import OriginalStore
from byosc.settings import Settings
from services.ingest.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def full_disk(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    room = disk_room.free_bytes(settings.data_path) + 1024**3
    monkeypatch.setattr(disk_room, "MIN_FREE_BYTES", room)
    return settings


def test_uploads_are_refused_507_and_readyz_names_the_room_left(full_disk: Settings) -> None:
    with TestClient(create_app(full_disk)) as client:
        assert client.post("/courses", json={"id": "os", "name": "OS"}).status_code == 201
        files = [("files", ("notes.md", b"# Paging\n\nPages map to frames.\n", "text/markdown"))]
        refused = client.post("/courses/os/documents", files=files)
        assert refused.status_code == 507, refused.text
        assert "disk is full" in refused.json()["detail"]
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert "MiB free" in ready.json()["checks"]["storage"]
        assert client.get("/courses/os/documents").json() == []


def test_index_writes_and_kept_originals_raise_instead_of_writing(full_disk: Settings) -> None:
    index = EdgeIndex(full_disk.index_path, dimension=4)
    try:
        with pytest.raises(StorageFull, match="MiB free"):
            index.upsert([], [])
    finally:
        index.close()
    originals = OriginalStore.from_settings(full_disk)
    with pytest.raises(StorageFull):
        originals.keep("os", "0" * 64, b"bytes")
    assert originals.find("os", "0" * 64) is None
