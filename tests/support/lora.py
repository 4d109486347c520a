"""Tiny LoRA adapters made with peft, with random weights so they visibly change answers."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

TARGETS = ["q_proj", "v_proj"]


def make_lora_adapter(base_dir: Path, out: Path, seed: int) -> Path:
    """An adapter for the model in `base_dir`; different seeds give different adapters."""
    import torch
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    return _save(base, out, seed)


def make_foreign_adapter(out: Path, declared_base: str) -> Path:
    """An adapter for a different, tiny Llama whose config says it is for `declared_base`."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=256,
    )
    _save(AutoModelForCausalLM.from_config(config, dtype=torch.float32), out, seed=0)
    return set_declared_base(out, declared_base)


def set_declared_base(adapter: Path, declared_base: str) -> Path:
    config_file = adapter / "adapter_config.json"
    config = json.loads(config_file.read_text())
    config["base_model_name_or_path"] = declared_base
    config_file.write_text(json.dumps(config))
    return adapter


def _save(model: Any, out: Path, seed: int) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=TARGETS, init_lora_weights=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # raised inside peft, not ours to fix
        get_peft_model(model, config).save_pretrained(str(out))
    return out
