"""`byosc backup` and `byosc restore` from the command line: the archive written where asked,
a restore into an empty data directory, a second one refused with the reason and exit
code 1, then forced."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from byosc.settings import Settings
from cli.main import app
from tests.support.small_stack import NOTES, small_stack


def _run(monkeypatch: pytest.MonkeyPatch, data_dir: Path, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("BYOSC_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_backup_then_restore_refuses_a_second_restore_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_stack(Settings(data_dir=tmp_path / "source"))
    archive = tmp_path / "os.tar.gz"
    code, out = _run(monkeypatch, tmp_path / "source", "backup", "--out", str(archive))
    assert code == 0, out
    assert "backed up 1 courses, 1 documents, 3 index points, 0 adapters" in out
    assert archive.is_file()
    code, out = _run(monkeypatch, tmp_path / "source", "backup", "--out", str(archive))
    assert code == 1 and "exists already" in out
    target = tmp_path / "target"
    code, out = _run(monkeypatch, target, "restore", str(archive))
    assert code == 0 and "restored 1 courses, 1 documents, 3 index points" in out, out
    assert (target / "uploads/os/notes.md").read_bytes() == NOTES
    code, out = _run(monkeypatch, target, "restore", str(archive))
    assert code == 1 and "the target is not empty: courses os" in out and "--force" in out
    code, out = _run(monkeypatch, target, "restore", "--force", str(archive))
    assert code == 0, out
