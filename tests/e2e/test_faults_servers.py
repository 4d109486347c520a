"""Faults during load, production form: the stack in the single-node profile (PostgreSQL,
Celery on a Redis broker, the inference service owning an Edge shard) with 16 students and
a refresh of 30 documents running, while Redis restarts, PostgreSQL restarts (fast shutdown:
connections cut), and the data directory's file system fills up. What each fault must leave
behind is in tests/support/fault_school.py; here, what /readyz must say meanwhile.

The servers are the test's own (the shared ones serve every other test), and the data
directory is a small tmpfs so that it can be filled; that needs root, else that test skips.
Recovery times go to bench/results/faults_servers.json."""

from __future__ import annotations

import contextlib
import errno
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from byosc import migrations
from byosc.auth.store import SqlKeyStore, first_admin_key
from byosc.catalog.sql import open_engine
from services.stack import SERVICES, Stack
from tests.e2e.conftest import free_port
from tests.support.fault_school import STACK_ENV, School, open_school, run_fault
from tests.support.servers import PrivatePostgres, PrivateRedis

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tmpfs, runuser, SIGKILL"),
]

DATA_DISK_MB = 384


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[bool]:
    """A tmpfs of DATA_DISK_MB at `folder`; False (and a plain folder) where mounting is not
    allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DATA_DISK_MB}m", "tmpfs", str(folder)],
        capture_output=True,
    ).returncode == 0  # fmt: skip
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PrivateRedis, PrivatePostgres]]:
    broker = PrivateRedis(tmp_path_factory.mktemp("redis"), free_port())
    database = PrivatePostgres(free_port())
    try:
        broker.start()
        database.create()
        yield broker, database
    finally:
        broker.stop()
        database.remove()


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bool]]:
    folder = tmp_path_factory.mktemp("faults-servers") / "data"
    with small_disk(folder) as mounted:
        yield folder, mounted


@pytest.fixture(scope="module")
def school(
    tmp_path_factory: pytest.TempPathFactory,
    servers: tuple[PrivateRedis, PrivatePostgres],
    disk: tuple[Path, bool],
) -> Iterator[School]:
    broker, database = servers
    migrations.upgrade(database.url)  # what compose's `migrate` service does
    stack = Stack(
        data_dir=disk[0],
        ports={name: free_port() for name in SERVICES},
        log_dir=tmp_path_factory.mktemp("faults-servers-logs"),
        extra_env={
            **STACK_ENV,
            "BYOSC_PROFILE": "single-node",
            "BYOSC_DATABASE__URL": database.url,
            "BYOSC_QUEUE__BROKER_URL": broker.url,
            "BYOSC_QUEUE__RESULT_BACKEND": broker.url,
        },
    )
    try:
        stack.start_all()
        engine = open_engine(database.url)
        issued = first_admin_key(SqlKeyStore(engine))
        engine.dispose()
        assert issued is not None
        with open_school(stack, issued.token, "faults_servers") as made:
            yield made
    finally:
        stack.stop_all()


def fill(folder: Path) -> Path:
    """Writes a file until the file system holding `folder` has no room left."""
    filler = folder / "filler"
    block = b"\0" * (1 << 20)
    with filler.open("wb") as out:
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


def test_a_redis_restart_mid_refresh_loses_no_job_and_readyz_names_the_broker(
    school: School, servers: tuple[PrivateRedis, PrivatePostgres]
) -> None:
    broker = servers[0]
    seen = run_fault(school, "redis", "faultredis", broker.stop, broker.start)
    for probe in seen["readiness"]:
        assert probe["status"] in ("degraded", "unavailable"), probe
        assert "broker" in str(probe["checks"]["ingest"]), probe


def test_a_postgres_restart_mid_refresh_loses_no_row_and_readyz_names_the_database(
    school: School, servers: tuple[PrivateRedis, PrivatePostgres]
) -> None:
    database = servers[1]
    seen = run_fault(school, "postgres", "faultpostgres", database.stop, database.start)
    for probe in seen["readiness"]:
        # The key database is the gateway's own: without it no request can be let in.
        assert probe["code"] == 503 and probe["status"] == "unavailable", probe
        assert probe["checks"]["database"] != "ok", probe


def test_a_full_data_disk_fails_documents_with_the_reason_and_a_later_refresh_succeeds(
    school: School, disk: tuple[Path, bool]
) -> None:
    folder, mounted = disk
    if not mounted:
        pytest.skip("mounting a small tmpfs needs root: the data disk cannot be filled")
    filled: list[Path] = []
    seen: dict[str, Any] = run_fault(
        school,
        "full_disk",
        "faultdisk",
        lambda: filled.append(fill(folder)),
        lambda: filled.pop().unlink(),
    )
    for probe in seen["readiness"]:
        assert probe["code"] == 200 and probe["status"] == "degraded", probe
        assert "MiB free" in str(probe["checks"]), probe
