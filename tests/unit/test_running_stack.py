"""`make up` announces its data directory in the BYOSC home while it runs, so admin commands
run beside it (`byosc keys`) write to the metadata DB its gateway reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import services.stack
from byosc.running_stack import announced, running_stack_dir


def test_an_announced_data_directory_is_found_until_the_stack_stops(tmp_path: Path) -> None:
    data_dir = tmp_path / "stack"
    data_dir.mkdir()
    assert running_stack_dir(tmp_path) is None
    with announced(tmp_path, data_dir):
        assert running_stack_dir(tmp_path) == data_dir
    assert running_stack_dir(tmp_path) is None


def test_the_announcement_of_a_stack_that_died_is_ignored(tmp_path: Path) -> None:
    data_dir = tmp_path / "stack"
    data_dir.mkdir()
    # A stack killed outright leaves its announcement behind.
    script = (
        "import sys, pathlib, os\n"
        "from byosc.running_stack import announced\n"
        "stack = announced(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))\n"
        "stack.__enter__()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path), str(data_dir)], check=True)
    assert (tmp_path / "stack.json").exists()
    assert running_stack_dir(tmp_path) is None


def test_make_up_announces_its_data_directory_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, data_dir = tmp_path / "home", tmp_path / "stack"
    monkeypatch.setenv("BYOSC_HOME", str(home))
    monkeypatch.setenv("BYOSC_DATA_DIR", str(data_dir))
    # No processes: the stack's services are not what this test is about.
    monkeypatch.setattr(services.stack.Stack, "start", lambda self, service: None)
    seen: list[Path | None] = []

    def interrupted(_seconds: float) -> None:
        seen.append(running_stack_dir(home))
        raise KeyboardInterrupt

    monkeypatch.setattr(services.stack.time, "sleep", interrupted)
    services.stack.main([])
    assert seen == [data_dir]
    assert running_stack_dir(home) is None


def test_a_stack_names_its_services_that_died_with_their_exit_codes(tmp_path: Path) -> None:
    stack = services.stack.Stack(data_dir=tmp_path)
    scripts = {
        "worker": "raise SystemExit(3)",
        "beat": "import os; os.kill(os.getpid(), 9)",
        "ingest": "import time; time.sleep(60)",
    }
    # Each in its own process group, as the stack starts them (a kill reaches the group).
    stack.processes = {
        name: subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
        for name, script in scripts.items()
    }
    for name in ("worker", "beat"):
        stack.processes[name].wait(timeout=30)
    try:
        assert stack.exited() == {"worker": 3, "beat": -9}
    finally:
        stack.kill("ingest")
    assert stack.exited() == {"worker": 3, "beat": -9}  # a service stopped on purpose is not
    assert stack.log_path("worker") == tmp_path / "logs" / "worker.log"
