"""Training checkpoints: everything a killed job needs to go on as if it had never stopped.

A checkpoint holds the trainable (LoRA) weights, the optimizer and scheduler states, every
random generator's state, the step and the position in the fixed batch order. It is
written to a temporary directory and renamed into place, so a job killed mid-write leaves
the previous checkpoint intact and never a half-written one under a step's name.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from byosc.errors import ByoscError

_STEP_DIR = re.compile(r"^step-(\d+)$")
_TEMP_PREFIX = ".writing-"


@dataclass
class TrainingState:
    step: int = 0
    batch_position: int = 0  # micro-batches consumed from the fixed schedule
    losses: list[float] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    seconds: float = 0.0
    fingerprint: str = ""  # hyperparameters and data the checkpoint belongs to


def save_checkpoint(
    checkpoint_dir: Path, state: TrainingState, model: Any, optimizer: Any, scheduler: Any
) -> Path:
    final = checkpoint_dir / f"step-{state.step:06d}"
    if final.exists():
        return final
    temp = checkpoint_dir / f"{_TEMP_PREFIX}{final.name}"
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    save_file(_trainable_weights(model), temp / "adapter.safetensors")
    torch.save(optimizer.state_dict(), temp / "optimizer.pt")
    torch.save(scheduler.state_dict(), temp / "scheduler.pt")
    torch.save(_rng_states(), temp / "rng.pt")
    (temp / "state.json").write_text(json.dumps(asdict(state)))
    temp.rename(final)
    for older in _step_dirs(checkpoint_dir):
        if older != final:
            shutil.rmtree(older, ignore_errors=True)
    return final


def restore_latest(
    checkpoint_dir: Path, fingerprint: str, model: Any, optimizer: Any, scheduler: Any
) -> TrainingState | None:
    """Loads the newest checkpoint into the given objects; None when there is none."""
    for temp in checkpoint_dir.glob(f"{_TEMP_PREFIX}*"):
        shutil.rmtree(temp, ignore_errors=True)  # a write that a kill interrupted
    found = _step_dirs(checkpoint_dir)
    if not found:
        return None
    latest = found[-1]
    state = TrainingState(**json.loads((latest / "state.json").read_text()))
    if state.fingerprint != fingerprint:
        raise ByoscError(
            f"the checkpoint in {checkpoint_dir} belongs to another dataset or other "
            "hyperparameters; give this training job its own checkpoint directory"
        )
    device = next(model.parameters()).device
    weights = load_file(latest / "adapter.safetensors", device=str(device))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.requires_grad:
                parameter.copy_(weights[name])
    optimizer.load_state_dict(torch.load(latest / "optimizer.pt", map_location=device))
    scheduler.load_state_dict(torch.load(latest / "scheduler.pt"))
    _set_rng_states(torch.load(latest / "rng.pt", weights_only=False))
    return state


def _step_dirs(checkpoint_dir: Path) -> list[Path]:
    if not checkpoint_dir.is_dir():
        return []
    steps = [
        (int(m.group(1)), p) for p in checkpoint_dir.iterdir() if (m := _STEP_DIR.match(p.name))
    ]
    return [path for _, path in sorted(steps)]


def _trainable_weights(model: Any) -> dict[str, torch.Tensor]:
    return {
        name: parameter.detach().contiguous()
        for name, parameter in model.named_parameters()
        if parameter.requires_grad
    }


def _rng_states() -> dict[str, Any]:
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_states(states: dict[str, Any]) -> None:
    random.setstate(states["python"])
    np.random.set_state(states["numpy"])
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
