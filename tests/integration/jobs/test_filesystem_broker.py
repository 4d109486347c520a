"""The embedded broker (services/common/filesystem_broker.py) through kombu, and a real worker
on it: a message is read only once whole, in the order sent, and a file in the queue folder
that is not a message is set aside instead of ending the worker."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection

from byosc.settings import Settings
from services.common.filesystem_broker import PARTIAL_SUFFIX, REJECTED_SUFFIX, TRANSPORT
from services.common.jobqueue import broker_settings
from services.ingest.embedded import EmbeddedWorker
from services.ingest.presence import hold_presence
from tests.support.cli_course import BYOSC, cli_env, course_of

# Named to come before any message sent now, as one sent earlier would.
EMPTY = "0" * 20 + "_empty.cpu.msg"


@pytest.fixture
def connection(settings: Settings) -> Iterator[Connection]:
    url, options = broker_settings(settings)
    with Connection(url, transport=TRANSPORT, transport_options=options) as opened:
        yield opened


def messages(settings: Settings) -> Path:
    return settings.queue_path / "messages"


def test_messages_come_back_whole_and_in_the_order_sent(connection: Connection) -> None:
    with connection.SimpleQueue("cpu") as queue:
        for n in range(5):
            queue.put({"n": n, "text": "x" * 10_000})
        got = [queue.get(timeout=1).payload for _ in range(5)]
        assert [m["n"] for m in got] == list(range(5))
        assert all(len(m["text"]) == 10_000 for m in got)
        with pytest.raises(Empty):
            queue.get(timeout=0.1)


def test_a_message_still_being_written_is_not_taken_until_it_is_in_place(
    connection: Connection, settings: Settings
) -> None:
    with connection.SimpleQueue("cpu") as queue:
        queue.put({"n": 1})
        [name] = os.listdir(messages(settings))
        # As the writer leaves it mid-write: the whole message under the partial name.
        whole = messages(settings) / name
        being_written = whole.with_name(name + PARTIAL_SUFFIX)
        whole.rename(being_written)
        with pytest.raises(Empty):
            queue.get(timeout=0.1)
        being_written.rename(whole)
        assert queue.get(timeout=1).payload == {"n": 1}


def test_a_file_that_is_not_a_message_is_set_aside_and_the_next_one_read(
    connection: Connection, settings: Settings
) -> None:
    with connection.SimpleQueue("cpu") as queue:
        # kombu's own writer creates the file and writes it after: a reader can find it empty.
        (messages(settings) / EMPTY).write_bytes(b"")
        queue.put({"n": 2})
        assert queue.get(timeout=1).payload == {"n": 2}
    processed = settings.queue_path / "processed"
    assert os.listdir(processed) == [EMPTY + REJECTED_SUFFIX]
    assert os.listdir(messages(settings)) == []


@pytest.mark.slow
def test_a_worker_with_an_empty_message_in_its_queue_runs_the_next_refresh(
    tmp_path: Path, byosc_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cli_env(tmp_path, byosc_home, monkeypatch)
    course_of(tmp_path, {"notes.md": b"# Paging\n\nA page is a fixed-size block.\n"})

    settings = Settings()
    with EmbeddedWorker(settings, always=True) as worker:
        (messages(settings) / EMPTY).write_bytes(b"")
        command = [BYOSC, "refresh", "--course", "os"]
        run = subprocess.run(command, env=env, capture_output=True, timeout=120)
        assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()
        assert worker.alive(), worker.log_path.read_text()
    assert (settings.queue_path / "processed" / (EMPTY + REJECTED_SUFFIX)).exists()


def test_a_command_watching_a_job_sees_when_the_running_worker_is_gone(settings: Settings) -> None:
    watcher = EmbeddedWorker(settings)  # a worker runs already: the command starts none
    presence = hold_presence(settings)
    with watcher:
        assert not watcher.started and watcher.alive()
        presence.close()  # the worker died: the kernel dropped its lock
        assert not watcher.alive()


def test_a_binding_file_found_empty_is_read_again_once_written(
    connection: Connection, settings: Settings
) -> None:
    with connection.SimpleQueue("cpu") as queue:
        table = settings.queue_path / "control" / "cpu.exchange"
        written = table.read_bytes()
        table.write_bytes(b"")  # as kombu leaves it between creating and writing it
        writer = threading.Timer(0.2, table.write_bytes, args=(written,))
        writer.start()
        queue.put({"n": 3})  # routing reads the binding
        writer.join()
        assert queue.get(timeout=1).payload == {"n": 3}
