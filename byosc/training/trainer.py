"""LoRA (or QLoRA) training of one course adapter: a plain torch loop over chat records.

Resumable: every `checkpoint_every` steps, and when asked to stop, the loop writes a
checkpoint; called again with the same checkpoint directory it goes on from the latest one
and ends with the same adapter an uninterrupted run makes (the batch order is fixed by the
seed, and the random generators are restored).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoTokenizer, get_linear_schedule_with_warmup

from byosc.errors import ByoscError, TrainingCancelled
from byosc.training.checkpoints import TrainingState, restore_latest, save_checkpoint
from byosc.training.data import (
    IGNORE_INDEX,
    Batch,
    answer_loss_sum,
    batch_schedule,
    batches_per_epoch,
    collate,
    tokenize_records,
)
from byosc.training.lora_model import build_lora_model
from byosc.training.models import Hyperparameters, TrainProgress, TrainResult

MAX_GRAD_NORM = 1.0


def train_lora(
    base_dir: Path,
    records: list[dict[str, Any]],
    hp: Hyperparameters,
    out_dir: Path,
    *,
    base_name: str,
    checkpoint_dir: Path,
    progress: Callable[[TrainProgress], None] = lambda _: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> TrainResult:
    """Trains an adapter on every record given and saves it, ready to serve, in `out_dir`.

    `base_name` is the base model's served name, written into the adapter's config so the
    model server accepts it for that model.
    """
    device = "cuda" if torch.cuda.is_available() else "cpu"
    _seed_everything(hp.seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir, local_files_only=True)
    examples = tokenize_records(tokenizer, records, hp.max_seq_len)
    if not examples:
        raise ByoscError("there are no training records")
    total_steps = _total_steps(len(examples), hp)
    schedule = batch_schedule(
        [len(e) for e in examples], hp.batch_size, hp.seed, total_steps * hp.grad_accumulation
    )
    model = build_lora_model(base_dir, hp, device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=hp.learning_rate, weight_decay=0.0)
    scheduler = get_linear_schedule_with_warmup(optimizer, hp.warmup_steps, total_steps)
    fingerprint = _fingerprint(hp, records)
    restored = restore_latest(checkpoint_dir, fingerprint, model, optimizer, scheduler)
    state = restored or TrainingState(fingerprint=fingerprint)
    first_step = state.step

    def checkpoint() -> None:
        save_checkpoint(checkpoint_dir, state, model, optimizer, scheduler)

    pad_id = (
        tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    )
    model.train()
    for step in range(first_step, total_steps):
        if should_stop():
            if step > first_step:
                checkpoint()
            raise TrainingCancelled(step)
        started = time.perf_counter()
        position = step * hp.grad_accumulation
        batches = [
            collate([examples[i] for i in indices], pad_id).to(device)
            for indices in schedule[position : position + hp.grad_accumulation]
        ]
        loss = _train_step(model, batches, trainable, device)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state.step, state.batch_position = step + 1, position + len(batches)
        state.losses.append(loss)
        state.tokens.append(sum(b.tokens for b in batches))
        state.seconds += time.perf_counter() - started
        if state.step % hp.checkpoint_every == 0 and state.step < total_steps:
            started = time.perf_counter()
            checkpoint()
            state.seconds += time.perf_counter() - started  # part of the job's throughput
        progress(_progress(state, total_steps))

    _save_adapter(model, tokenizer, out_dir, base_name)
    return TrainResult(
        adapter_dir=str(out_dir),
        steps=state.step,
        tokens=sum(state.tokens),
        seconds=state.seconds,
        losses=state.losses,
        resumed_from_step=first_step if restored else None,
    )


def _train_step(model: Any, batches: Sequence[Batch], trainable: list[Any], device: str) -> float:
    """Accumulates gradients over the micro-batches; returns the mean loss per answer token."""
    answer_tokens = sum(int((b.labels[:, 1:] != IGNORE_INDEX).sum()) for b in batches)
    loss_sum = torch.zeros((), device=device)
    for batch in batches:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
            batch_loss = answer_loss_sum(model, batch)
        (batch_loss / answer_tokens).backward()
        loss_sum += batch_loss.detach()
    torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
    return float(loss_sum) / answer_tokens


def _total_steps(examples: int, hp: Hyperparameters) -> int:
    if hp.max_steps is not None:
        return hp.max_steps
    micro_batches = batches_per_epoch(examples, hp.batch_size) * hp.epochs
    return max(1, math.ceil(micro_batches / hp.grad_accumulation))


def _progress(state: TrainingState, total_steps: int) -> TrainProgress:
    tokens_per_s = sum(state.tokens) / state.seconds if state.seconds else None
    seconds_per_step = state.seconds / len(state.losses) if state.losses else 0.0
    return TrainProgress(
        step=state.step,
        total_steps=total_steps,
        loss=state.losses[-1],
        tokens_per_s=tokens_per_s,
        eta_s=(total_steps - state.step) * seconds_per_step,
    )


def _save_adapter(model: Any, tokenizer: Any, out_dir: Path, base_name: str) -> None:
    # The server compares this with the name it serves the base model under.
    model.peft_config["default"].base_model_name_or_path = base_name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # peft warns on a non-hub base name
        model.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _fingerprint(hp: Hyperparameters, records: list[dict[str, Any]]) -> str:
    content = json.dumps([hp.model_dump(), [r["messages"] for r in records]], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()
