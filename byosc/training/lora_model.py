"""The base model with trainable LoRA layers: full precision on CPU, bf16 on CUDA, or 4-bit
(QLoRA) on CUDA when the hyperparameters ask for it."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from byosc.errors import ByoscError
from byosc.training.models import Hyperparameters


def build_lora_model(base_dir: Path, hp: Hyperparameters, device: str) -> Any:
    from peft import LoraConfig, get_peft_model

    base = _quantized_base(base_dir) if hp.qlora else _base(base_dir, device)
    config = LoraConfig(
        r=hp.rank,
        lora_alpha=hp.alpha,
        lora_dropout=hp.dropout,
        target_modules=list(hp.target_modules),
        task_type="CAUSAL_LM",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # raised inside peft, not ours to fix
        return get_peft_model(base, config)


def _base(base_dir: Path, device: str) -> Any:
    # On CUDA the frozen weights stay bf16, as autocast computes in it anyway; peft keeps
    # the LoRA weights in float32.
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model: Any = AutoModelForCausalLM.from_pretrained(base_dir, dtype=dtype, local_files_only=True)
    return model.to(device)


def _quantized_base(base_dir: Path) -> Any:
    if not torch.cuda.is_available():
        raise ByoscError("QLoRA needs a CUDA GPU; train without qlora on this machine")
    if importlib.util.find_spec("bitsandbytes") is None:
        raise ByoscError("QLoRA needs the bitsandbytes package: pip install bitsandbytes")
    from peft import prepare_model_for_kbit_training
    from transformers import BitsAndBytesConfig

    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    model = AutoModelForCausalLM.from_pretrained(
        base_dir,
        quantization_config=quantization,
        dtype=torch.bfloat16,
        device_map={"": torch.cuda.current_device()},
        local_files_only=True,
    )
    # Non-reentrant checkpointing: the reentrant kind is deprecated by torch and needs inputs
    # that require grad, which a frozen 4-bit base does not give.
    return prepare_model_for_kbit_training(
        model, gradient_checkpointing_kwargs={"use_reentrant": False}
    )
