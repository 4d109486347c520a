"""Stores opening together on a new metadata DB (a service and its worker) each find it
migrated; none of them may fail because another got there first."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from byosc.catalog.sql import open_engine
from byosc.datasets.sql import SqlDatasetStore
from byosc.feedback.store import SqlFeedbackStore
from byosc.jobs.sql import SqlJobStore
from byosc.quiz.store import SqlQuizStore
from byosc.training.registry import SqlAdapterRegistry

STARTERS = 6


def _start(url: str) -> None:
    engine = open_engine(url)
    SqlJobStore(engine)
    SqlDatasetStore(engine)
    SqlAdapterRegistry(engine)
    SqlQuizStore(engine)
    SqlFeedbackStore(engine)
    engine.dispose()


def test_stores_opening_at_once_on_a_new_database_all_start(database_url: str) -> None:
    failures: list[BaseException] = []
    gate = threading.Barrier(STARTERS)

    def start() -> None:
        gate.wait()
        try:
            _start(database_url)
        except BaseException as exc:  # collected: the assertion below names them
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(STARTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    names = set(sa.inspect(sa.create_engine(database_url)).get_table_names())
    assert {"courses", "jobs", "dataset_versions", "adapters", "quizzes", "feedback"} <= names
