"""LoRA training throughput of train_lora against a plain PEFT + torch loop, on CPU.

- data: chat records from the extractive instruction pairs of the sample course (the
  chunks bench/instructions.py builds), tokenized once by byosc.training.data.
- baseline: the textbook loop of bench/lora_baseline.py, over exactly the batches
  train_lora uses (same seed, same schedule), for the same number of steps.
- train_lora: its own reported tokens/s (step time, checkpoint writes included).

Both count non-padding tokens and leave model loading out. Same process, the two loops
alternating for ROUNDS rounds, each loop's best round compared; an untimed warm-up step
first, so neither loop pays for the process's first forward and backward.

Run: .venv/bin/python bench/training.py  (writes bench/results/training.json)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch
from common import write_result
from instructions import sample_chunks
from lora_baseline import plain_loop, step_batches

from byosc.datasets.export import ChatRecord, to_chat_records
from byosc.instructions.extractive import ExtractiveGenerator
from byosc.instructions.models import InstructionPair
from byosc.models import bundled_models
from byosc.settings import BASE_MODEL_NAME, Settings
from byosc.training.models import Hyperparameters, TrainResult
from byosc.training.trainer import train_lora

HP = Hyperparameters(
    rank=8, batch_size=2, grad_accumulation=1, max_steps=10, max_seq_len=256, checkpoint_every=5
)
ROUNDS = 3  # alternating; the best of each, as other work on the machine only slows a run


def course_records(settings: Settings) -> list[ChatRecord]:
    candidates = ExtractiveGenerator().generate(sample_chunks(settings)).candidates
    return to_chat_records(InstructionPair.from_candidate(c) for c in candidates)


def trainer_run(llm_dir: Path, records: list[ChatRecord]) -> TrainResult:
    with tempfile.TemporaryDirectory() as scratch:
        return train_lora(
            llm_dir,
            records,
            HP,
            Path(scratch) / "adapter",
            base_name=BASE_MODEL_NAME,
            checkpoint_dir=Path(scratch) / "checkpoints",
        )


def main() -> None:
    settings = Settings()
    llm_dir = bundled_models(settings).llm_dir
    records = course_records(settings)
    steps = step_batches(llm_dir, records, HP)
    plain_rates, trainer_rates = [], []
    for _ in range(ROUNDS):
        plain_tokens, plain_s = plain_loop(llm_dir, steps, HP)
        plain_rates.append(plain_tokens / plain_s)
        result = trainer_run(llm_dir, records)
        assert result.tokens == plain_tokens, "the two loops must see the same batches"
        trainer_rates.append(result.tokens_per_s)
    write_result(
        "training",
        {
            "model": BASE_MODEL_NAME,
            "device": "cpu",
            "threads": torch.get_num_threads(),
            "records": len(records),
            "hyperparameters": HP.model_dump(),
            "steps": result.steps,
            "tokens_per_run": result.tokens,
            "answer_loss_first_last": [round(result.losses[0], 4), round(result.losses[-1], 4)],
            "baseline_tokens_per_s_rounds": [round(r, 1) for r in plain_rates],
            "train_lora_tokens_per_s_rounds": [round(r, 1) for r in trainer_rates],
            "baseline_tokens_per_s": round(max(plain_rates), 1),
            "train_lora_tokens_per_s": round(max(trainer_rates), 1),
            "ratio_trainer_to_plain": round(max(trainer_rates) / max(plain_rates), 2),
        },
    )


if __name__ == "__main__":
    main()
