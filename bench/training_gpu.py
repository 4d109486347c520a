"""LoRA and QLoRA training throughput and peak GPU memory on models of production shape.

No weights can be downloaded on the GPU machine, and neither speed nor memory depends on
weight values, so the base model is a Llama-style config (1B or 8B) with random weights,
saved once to a scratch directory with a small word-level tokenizer and a ChatML template.
Each mode runs train_lora for `--steps` steps on synthetic chat records of about
`--seq-len` tokens. The LoRA mode is compared with the textbook PEFT loop of
bench/lora_baseline.py over the same batches: the two alternate for `--rounds` rounds and
each one's best round counts (the first round pays for CUDA's warm-up). Both time every
step of their run, the first included.

Run: python bench/training_gpu.py --model 1b --steps 10
(writes bench/results/training_gpu_1b.json)
QLoRA needs bitsandbytes; without it that mode is recorded as skipped. `--model tiny` runs
on CPU too, to check the script without a GPU.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch
from common import write_result
from lora_baseline import plain_loop, step_batches
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from byosc.training.models import Hyperparameters
from byosc.training.trainer import train_lora

SHAPES: dict[str, dict[str, Any]] = {  # a smoke-test size, Llama 3.2 1B and Llama 3.1 8B
    "tiny": dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True),
    "1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
               num_attention_heads=32, num_key_value_heads=8, tie_word_embeddings=True),
    "8b": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
               num_attention_heads=32, num_key_value_heads=8, tie_word_embeddings=False),
}  # fmt: skip
VOCAB = 128_256
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
WORDS = [f"w{i}" for i in range(4000)]
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def write_random_model(model: str, directory: Path) -> None:
    config = LlamaConfig(vocab_size=VOCAB, max_position_embeddings=8192, **SHAPES[model])
    with torch.device(DEVICE):
        llama: Any = LlamaForCausalLM(config)
    llama = llama.to(torch.bfloat16)
    llama.save_pretrained(directory)
    del llama
    if DEVICE == "cuda":
        torch.cuda.empty_cache()
    word_level_tokenizer().save_pretrained(directory)


def word_level_tokenizer() -> PreTrainedTokenizerFast:
    from tokenizers import Tokenizer, models, pre_tokenizers

    specials = ["<|im_start|>", "<|im_end|>", "<unk>"]
    vocab = {token: i for i, token in enumerate([*specials, *WORDS, "system", "user", "assistant"])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="<unk>", eos_token="<|im_end|>", pad_token="<|im_end|>"
    )
    tokenizer.add_special_tokens({"additional_special_tokens": specials[:2]})
    tokenizer.chat_template = CHATML
    return tokenizer


def synthetic_records(count: int, seq_len: int) -> list[dict[str, Any]]:
    rng = random.Random(0)

    def words(n: int) -> str:
        return " ".join(rng.choices(WORDS, k=n))

    return [
        {
            "messages": [
                {"role": "system", "content": words(8)},
                {"role": "user", "content": words(seq_len // 2)},
                {"role": "assistant", "content": words(seq_len // 2 - 20)},
            ]
        }
        for _ in range(count)
    ]


def hyperparameters(args: argparse.Namespace, qlora: bool) -> Hyperparameters:
    return Hyperparameters(
        rank=16, alpha=32, batch_size=args.batch_size, grad_accumulation=1,
        max_steps=args.steps, max_seq_len=args.seq_len, qlora=qlora, checkpoint_every=10_000,
    )  # fmt: skip


def train(base_dir: Path, hp: Hyperparameters, args: argparse.Namespace) -> dict[str, Any]:
    records = synthetic_records(args.batch_size * args.steps, args.seq_len)
    _reset_peak_memory()
    with tempfile.TemporaryDirectory() as scratch:
        result = train_lora(
            base_dir, records, hp, Path(scratch) / "adapter",
            base_name=f"random-llama-{args.model}", checkpoint_dir=Path(scratch) / "checkpoints",
        )  # fmt: skip
    figures = {
        "steps": result.steps,
        "tokens": result.tokens,
        "seconds": round(result.seconds, 2),
        "tokens_per_s": round(result.tokens_per_s, 1),
        "max_memory_allocated_gib": _peak_memory_gib(),
        "loss_first_last": [round(result.losses[0], 3), round(result.losses[-1], 3)],
    }
    if DEVICE == "cuda":
        torch.cuda.empty_cache()
    return figures


def lora_against_plain(base_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    hp = hyperparameters(args, qlora=False)
    records = synthetic_records(args.batch_size * args.steps, args.seq_len)
    steps = step_batches(base_dir, records, hp)
    plain_rates, runs = [], []
    for _ in range(args.rounds):
        _reset_peak_memory()
        tokens, seconds = plain_loop(base_dir, steps, hp, warm_up=False)
        plain_rates.append(tokens / seconds)
        plain_memory = _peak_memory_gib()
        runs.append(train(base_dir, hp, args))
    best = max(runs, key=lambda r: r["tokens_per_s"])
    return {
        **best,
        "tokens_per_s_rounds": [r["tokens_per_s"] for r in runs],
        "plain_tokens_per_s_rounds": [round(r, 1) for r in plain_rates],
        "plain_tokens_per_s": round(max(plain_rates), 1),
        "plain_max_memory_allocated_gib": plain_memory,
        "ratio_train_lora_to_plain": round(best["tokens_per_s"] / max(plain_rates), 2),
    }


def qlora(base_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    if DEVICE != "cuda":
        return {"skipped": "QLoRA needs CUDA"}
    if importlib.util.find_spec("bitsandbytes") is None:
        return {"skipped": "bitsandbytes is not installed"}
    return train(base_dir, hyperparameters(args, qlora=True), args)


def _reset_peak_memory() -> None:
    if DEVICE == "cuda":
        torch.cuda.reset_peak_memory_stats()


def _peak_memory_gib() -> float | None:
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if DEVICE == "cuda" else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(SHAPES), default="1b")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scratch", type=Path, default=None, help="Where the model is written.")
    args = parser.parse_args()
    if DEVICE != "cuda" and args.model != "tiny":
        sys.exit("bench/training_gpu.py needs a CUDA GPU for this size; try --model tiny.")
    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
        base_dir = Path(scratch) / f"random-llama-{args.model}"
        write_random_model(args.model, base_dir)
        figures = {"lora": lora_against_plain(base_dir, args), "qlora": qlora(base_dir, args)}
    write_result(
        f"training_gpu_{args.model}",
        {
            "model": f"Llama-style {args.model}, random weights",
            "device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu",
            "torch": torch.__version__,
            "batch_size": args.batch_size,
            "seq_len": args.seq_len,
            **figures,
        },
    )


if __name__ == "__main__":
    main()
