"""GGUF to a float32 safetensors model directory, done once at fetch time.

Loading a GGUF file makes transformers dequantize every tensor (tens of seconds); the
converted directory loads in well under a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def convert_gguf(gguf_path: Path, dest: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = {"gguf_file": gguf_path.name, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, **source)
    if not tokenizer.chat_template:
        raise ValueError(f"{gguf_path.name} carries no chat template")
    quantized = AutoModelForCausalLM.from_pretrained(
        gguf_path.parent, dtype=torch.float32, **source
    )
    # A model loaded from GGUF refuses save_pretrained (its config is marked quantized),
    # so the weights move into a plain model built from the same config.
    config = type(quantized.config).from_dict(_plain_config(quantized.config.to_dict()))
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantized.state_dict(), strict=True)
    model.generation_config = quantized.generation_config
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)


def _plain_config(config: dict[str, Any]) -> dict[str, Any]:
    dropped = {"quantization_config", "_name_or_path", "_model_name_or_path"}
    return {key: value for key, value in config.items() if key not in dropped}
