"""LoRA training on the real bundled model: it learns, it serves, and a stopped job resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from byosc.llm.engine import LocalEngine
from byosc.settings import BASE_MODEL_NAME
from byosc.training.models import Hyperparameters, TrainProgress, TrainResult
from byosc.training.trainer import TrainingCancelled, train_lora

pytestmark = pytest.mark.slow

FACTS = [
    ("How many entries does the Zorbly cache hold?", "The Zorbly cache holds 12 entries."),
    ("What is the size of the Zorbly cache?", "The Zorbly cache holds 12 entries."),
    ("Who invented the Zorbly cache?", "Ada Quill invented the Zorbly cache in 1987."),
    ("When was the Zorbly cache invented?", "The Zorbly cache was invented in 1987."),
    ("What does the Zorbly cache evict first?", "It evicts the oldest purple entry first."),
    ("Which entry leaves the Zorbly cache first?", "The oldest purple entry leaves first."),
    ("What language is the Zorbly cache written in?", "The Zorbly cache is written in Snarl."),
    ("Where is the Zorbly cache used?", "The Zorbly cache is used in the Plonk kernel."),
]
RECORDS = [
    {
        "messages": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }
    for question, answer in FACTS
]
HP = Hyperparameters(
    rank=4,
    alpha=8,
    learning_rate=2e-3,
    batch_size=4,
    grad_accumulation=1,
    max_steps=4,
    max_seq_len=128,
    checkpoint_every=100,
)
STOP_AFTER = 2


def train(llm_dir: Path, root: Path, **kwargs: object) -> TrainResult:
    return train_lora(
        llm_dir,
        RECORDS,
        HP,
        root / "adapter",
        base_name=BASE_MODEL_NAME,
        checkpoint_dir=root / "checkpoints",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def uninterrupted(llm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    return train(llm_dir, tmp_path_factory.mktemp("uninterrupted"))


def test_the_training_loss_goes_down(uninterrupted: TrainResult) -> None:
    losses = uninterrupted.losses
    assert len(losses) == HP.max_steps
    assert sum(losses[-2:]) / 2 < losses[0]
    assert uninterrupted.tokens > 0 and uninterrupted.tokens_per_s > 0


def test_the_adapter_loads_in_the_local_engine_and_changes_answers(
    llm_dir: Path, uninterrupted: TrainResult
) -> None:
    question = [{"role": "user", "content": "How many entries does the Zorbly cache hold?"}]
    engine = LocalEngine(llm_dir, base_name=BASE_MODEL_NAME)
    try:
        engine.load_adapter("course-x", uninterrupted.adapter_dir)
        tuned = engine.generate(question, model="course-x", max_tokens=16).text
        base = engine.generate(question, max_tokens=16).text
    finally:
        engine.close()
    assert tuned != base
    config = json.loads((Path(uninterrupted.adapter_dir) / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == BASE_MODEL_NAME


def test_a_stopped_job_resumes_from_its_checkpoint_and_ends_as_an_uninterrupted_one(
    llm_dir: Path, tmp_path: Path, uninterrupted: TrainResult
) -> None:
    seen: list[TrainProgress] = []
    with pytest.raises(TrainingCancelled):
        train(llm_dir, tmp_path, progress=seen.append, should_stop=lambda: len(seen) >= STOP_AFTER)
    assert [p.step for p in seen] == [1, 2]
    assert not (tmp_path / "adapter").exists()

    resumed = train(llm_dir, tmp_path)

    assert resumed.resumed_from_step == STOP_AFTER
    assert resumed.steps == HP.max_steps
    assert resumed.losses == uninterrupted.losses
    ours = load_file(tmp_path / "adapter" / "adapter_model.safetensors")
    reference = load_file(Path(uninterrupted.adapter_dir) / "adapter_model.safetensors")
    assert ours.keys() == reference.keys()
    assert all(torch.equal(ours[k], reference[k]) for k in ours)
