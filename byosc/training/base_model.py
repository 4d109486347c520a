"""The base model an adapter is trained on: its served name, its weights, and their hash.

The hash is recorded with every adapter, so an adapter is never served on weights other
than those it was trained on, even under the same name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from byosc.errors import ByoscError
from byosc.models.manifest import read_manifest, sha256_of
from byosc.settings import Settings


@dataclass(frozen=True)
class BaseModelInfo:
    name: str  # as the model server serves it (llm.model)
    path: Path
    sha256: str  # of the weight files, in name order


def base_model_info(settings: Settings) -> BaseModelInfo:
    path = settings.training.base_model_dir
    if path is None:
        from byosc.models import bundled_models

        path = bundled_models(settings).llm_dir
    return BaseModelInfo(settings.llm.model, path, weights_sha256(path))


def weights_sha256(model_dir: Path) -> str:
    """One digest over the safetensors files; a bundled model's come from its manifest."""
    weights = sorted(model_dir.glob("*.safetensors"))
    if not weights:
        raise ByoscError(f"no *.safetensors weights in {model_dir}")
    manifest = read_manifest(model_dir)
    known = manifest.files if manifest else {}
    digest = hashlib.sha256()
    for path in weights:
        entry = known.get(path.name)
        if entry is not None and entry.size == path.stat().st_size:
            file_digest = entry.sha256  # checked against the file by `byosc models verify`
        else:
            file_digest = sha256_of(path)
        digest.update(f"{path.name}:{file_digest}\n".encode())
    return digest.hexdigest()
