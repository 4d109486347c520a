"""One job cluster shared by the refresh tests: Redis, the index owner and a Celery worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.index.http import HttpIndex
from tests.support.jobs import Cluster, cluster


@pytest.fixture(scope="package")
def sources_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sources")


@pytest.fixture(scope="package")
def jobs_cluster(
    tmp_path_factory: pytest.TempPathFactory, byosc_home: Path, sources_root: Path
) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("jobs-cluster")
    with cluster(data_dir, byosc_home, redis_db=11, allowed_root=sources_root) as running:
        running.stack.start("inference")
        running.stack.start("worker")
        yield running


@pytest.fixture(scope="package")
def index(jobs_cluster: Cluster) -> Iterator[HttpIndex]:
    http = HttpIndex(jobs_cluster.stack.url("inference"))
    yield http
    http.close()
