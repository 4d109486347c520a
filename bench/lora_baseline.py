"""The textbook PEFT + torch training loop that train_lora is measured against.

get_peft_model with the same LoraConfig, AdamW, linear schedule, gradient clipping and
`model(..., labels=...).loss`, over exactly the batches train_lora takes (same seed, same
schedule), on the device train_lora picks, with the same bf16 autocast on CUDA.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, get_linear_schedule_with_warmup

from byosc.datasets.export import ChatRecord
from byosc.training.data import Batch, batch_schedule, collate, tokenize_records
from byosc.training.lora_model import build_lora_model
from byosc.training.models import Hyperparameters
from byosc.training.trainer import MAX_GRAD_NORM


def step_batches(
    llm_dir: Path, records: list[ChatRecord], hp: Hyperparameters
) -> list[list[Batch]]:
    """The micro-batches of each step, in the order train_lora takes them."""
    tokenizer = AutoTokenizer.from_pretrained(llm_dir, local_files_only=True)
    examples = tokenize_records(tokenizer, records, hp.max_seq_len)
    assert hp.max_steps is not None
    schedule = batch_schedule(
        [len(e) for e in examples], hp.batch_size, hp.seed, hp.max_steps * hp.grad_accumulation
    )
    batches = [collate([examples[i] for i in ids], tokenizer.pad_token_id) for ids in schedule]
    accumulation = hp.grad_accumulation
    return [batches[i : i + accumulation] for i in range(0, len(batches), accumulation)]


def plain_loop(
    llm_dir: Path, steps: list[list[Batch]], hp: Hyperparameters, warm_up: bool = True
) -> tuple[int, float]:
    """(tokens, seconds) of the baseline. With `warm_up`, an untimed step first; without,
    the first step is timed, as train_lora times its own first step."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(hp.seed)
    model = build_lora_model(llm_dir, hp, device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=hp.learning_rate, weight_decay=0.0)
    scheduler = get_linear_schedule_with_warmup(optimizer, hp.warmup_steps, len(steps))
    model.train()
    tokens, seconds = 0, 0.0
    warm_up_steps = [steps[0][:1]] if warm_up else []
    for index, micro_batches in enumerate([*warm_up_steps, *steps], start=0 if warm_up else 1):
        _synchronize(device)
        started = time.perf_counter()
        for batch in micro_batches:
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                output = model(
                    input_ids=batch.input_ids.to(device),
                    attention_mask=batch.attention_mask.to(device),
                    labels=batch.labels.to(device),
                )
            (output.loss / len(micro_batches)).backward()
        torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        _synchronize(device)
        if index > 0:
            seconds += time.perf_counter() - started
            tokens += sum(b.tokens for b in micro_batches)
    del model, optimizer
    if device == "cuda":
        torch.cuda.empty_cache()
    return tokens, seconds


def _synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()
