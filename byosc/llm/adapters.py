"""Checks that a LoRA adapter directory fits the served base model, before peft touches it.

Loading a mismatched adapter into peft fails half-way and leaves layers behind; checking
the declared base model and the weight shapes first gives a clear refusal instead.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from byosc.errors import ByoscError, NotFound

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
_PEFT_PREFIX = "base_model.model."
_LORA_SUFFIXES = {".lora_A.weight": "A", ".lora_B.weight": "B"}
_ARCHITECTURE_KEYS = (
    "model_type",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "vocab_size",
)


class AdapterRejected(ByoscError):
    """The adapter is unreadable, not LoRA, or made for another base model."""


@dataclass(frozen=True)
class AdapterInfo:
    path: Path
    base_model: str | None


def read_adapter(path: Path) -> AdapterInfo:
    config_file = path / ADAPTER_CONFIG
    if not config_file.is_file():
        raise NotFound(f"No adapter found at {path}: {ADAPTER_CONFIG} is missing")
    try:
        config = json.loads(config_file.read_text())
    except (OSError, ValueError) as exc:
        raise AdapterRejected(f"{config_file} is not readable JSON: {exc}") from exc
    if config.get("peft_type") != "LORA":
        raise AdapterRejected(f"{path} is a {config.get('peft_type')} adapter; only LORA is served")
    return AdapterInfo(path, config.get("base_model_name_or_path") or None)


def check_base_model(info: AdapterInfo, base_name: str, model_dir: Path) -> None:
    """Refuses an adapter whose config clearly names a base model other than the served one.

    A hub id or bare name ("HuggingFaceTB/SmolLM2-135M-Instruct") is compared by its last
    component, case-insensitively. A local path is accepted when it is not here (trained on
    another machine) or holds a model of the same architecture; the shape check then decides.
    """
    declared = info.base_model
    if declared is None or _last_component(declared) in {
        _last_component(base_name),
        model_dir.name.lower(),
    }:
        return
    if declared.startswith(("/", "~", ".")):
        local = Path(declared).expanduser()
        if not (local / "config.json").is_file() or _same_architecture(local, model_dir):
            return
    raise AdapterRejected(
        f"the adapter at {info.path} was trained for base model {declared!r}, "
        f"but this server serves {base_name!r}"
    )


def check_shapes(info: AdapterInfo, linear_shapes: Mapping[str, tuple[int, int]]) -> None:
    """Compares each LoRA matrix with the linear layer it attaches to.

    `linear_shapes` maps the base model's linear modules to (in_features, out_features).
    """
    weights = info.path / ADAPTER_WEIGHTS
    if not weights.is_file():
        return  # a legacy .bin adapter: peft's own loading reports a mismatch
    for key, shape in safetensors_shapes(weights).items():
        parsed = _lora_target(key)
        if parsed is None or len(shape) != 2:
            continue
        module, matrix = parsed
        expected = linear_shapes.get(module)
        if expected is None:
            raise AdapterRejected(
                f"the adapter at {info.path} targets {module}, "
                "which is not a linear layer of the base model"
            )
        actual = shape[1] if matrix == "A" else shape[0]
        wanted = expected[0] if matrix == "A" else expected[1]
        if actual != wanted:
            side = "input" if matrix == "A" else "output"
            raise AdapterRejected(
                f"the adapter at {info.path} does not fit the base model: {module} has "
                f"{side} size {wanted}, the adapter's lora_{matrix} expects {actual}"
            )


def safetensors_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor shapes from a safetensors header, without reading the tensors."""
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    return {name: list(meta["shape"]) for name, meta in header.items() if name != "__metadata__"}


def _lora_target(key: str) -> tuple[str, str] | None:
    for suffix, matrix in _LORA_SUFFIXES.items():
        if key.endswith(suffix):
            return key.removesuffix(suffix).removeprefix(_PEFT_PREFIX), matrix
    return None


def _same_architecture(one: Path, other: Path) -> bool:
    try:
        configs = [json.loads((d / "config.json").read_text()) for d in (one, other)]
    except (OSError, ValueError):
        return False
    return all(configs[0].get(key) == configs[1].get(key) for key in _ARCHITECTURE_KEYS)


def _last_component(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1].lower()
