"""An adapter evaluated against the real bundled base model on a few held-out pairs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from byosc.bootstrap import open_embedder
from byosc.datasets.export import ChatRecord, to_chat_records
from byosc.instructions.models import InstructionPair
from byosc.llm.chat_template import format_chat
from byosc.ports import Embedder
from byosc.settings import Settings
from byosc.training.answer_pass import NO_ADAPTER, score_and_generate
from byosc.training.data import answer_loss_sum, collate, tokenize_record
from byosc.training.evaluate import context_prompt, evaluate_adapter, score_models
from byosc.training.models import EvalReport
from byosc.training.settings import EvalSettings
from tests.support.lora import make_lora_adapter

pytestmark = pytest.mark.slow

CHUNKS = {
    "c1": "Round-robin scheduling gives each ready process a fixed time quantum in turn.",
    "c2": "A page table maps each virtual page number to a physical frame number.",
    "c3": "A deadlock needs mutual exclusion, hold and wait, no preemption and circular wait.",
}
QUESTIONS = [
    ("c1", "What is round-robin scheduling?", "Each ready process gets a time quantum in turn."),
    ("c2", "What does a page table do?", "It maps virtual page numbers to physical frames."),
    ("c3", "Which conditions does a deadlock need?", "Mutual exclusion, hold and wait, no "
     "preemption and circular wait."),
    ("none", "What is a semaphore?", "A counter that processes wait on and signal."),
]  # fmt: skip
PAIRS = [
    InstructionPair(
        id=f"p{n}", course_id="os", document_id="d1", chunk_id=chunk_id, filename="os.pdf",
        page=n, task="qa", question=question, answer=answer, generator="extractive",
        split="test",
    )
    for n, (chunk_id, question, answer) in enumerate(QUESTIONS, start=1)
]  # fmt: skip
SETTINGS = EvalSettings(max_new_tokens=12, batch_size=4)


def _chunk_text(pair: InstructionPair) -> str | None:
    return CHUNKS.get(pair.chunk_id)  # the last pair has no chunk: scored without context


@pytest.fixture(scope="module")
def random_adapter(tmp_path_factory: pytest.TempPathFactory, llm_dir: Path) -> Path:
    return make_lora_adapter(llm_dir, tmp_path_factory.mktemp("adapter") / "random", seed=3)


@pytest.fixture(scope="module")
def embedder(byosc_home: Path) -> Embedder:
    return open_embedder(Settings(home=byosc_home))


@pytest.fixture(scope="module")
def progress_lines() -> list[str]:
    return []


@pytest.fixture(scope="module")
def report(
    llm_dir: Path, random_adapter: Path, embedder: Embedder, progress_lines: list[str]
) -> EvalReport:
    return evaluate_adapter(
        llm_dir, random_adapter, PAIRS, embedder=embedder, chunk_text=_chunk_text,
        settings=SETTINGS, progress=progress_lines.append,
    )  # fmt: skip


def test_the_evaluation_reports_its_progress(report: EvalReport, progress_lines: list[str]) -> None:
    both = "evaluating the base model and the adapter"
    assert progress_lines == [
        f"{both}: perplexity of 4 reference answers without their chunk",
        f"{both}: prompts with their chunk 0/4",
        f"{both}: prompts with their chunk 4/4",
    ]


def test_every_score_is_measured_and_perplexities_are_finite(report: EvalReport) -> None:
    assert report.pairs == 4
    for scores in (report.base, report.adapter):
        assert math.isfinite(scores.perplexity) and scores.perplexity > 1
        assert scores.perplexity_with_context is not None
        assert math.isfinite(scores.perplexity_with_context)
        assert scores.rouge_l is not None and 0 <= scores.rouge_l <= 1
        assert scores.similarity is not None and -1 <= scores.similarity <= 1


def test_the_base_scores_are_the_same_when_the_base_model_is_scored_alone(
    report: EvalReport, llm_dir: Path, embedder: Embedder
) -> None:
    model = AutoModelForCausalLM.from_pretrained(llm_dir, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(llm_dir)
    contexts = [_chunk_text(pair) for pair in PAIRS]
    [alone] = score_models(model, tokenizer, PAIRS, contexts, embedder, SETTINGS)
    # Same answers; the perplexities differ by float rounding at most, since the batches
    # the base model was scored in held the adapter's rows too.
    assert (alone.rouge_l, alone.similarity) == (report.base.rouge_l, report.base.similarity)
    assert alone.perplexity == pytest.approx(report.base.perplexity, rel=1e-5)
    assert alone.perplexity_with_context == pytest.approx(
        report.base.perplexity_with_context, rel=1e-5
    )


def test_the_source_chunk_makes_the_base_model_more_sure_of_the_reference_answers(
    report: EvalReport,
) -> None:
    base = report.base
    assert base.perplexity_with_context is not None
    assert base.perplexity_with_context < base.perplexity


def test_a_random_adapter_is_worse_than_the_base_and_is_not_promoted(
    report: EvalReport,
) -> None:
    # Random LoRA weights (not trained) perturb the attention projections: the reference
    # answers become less likely (with context, about 6.6 against the base's 4.0 here), so
    # the perplexity comparison alone rejects the adapter. Its greedy answers also scored
    # lower (ROUGE-L 0.08 against 0.20) but a dozen tokens on four pairs is too little to
    # pin that down in an assertion.
    assert report.adapter.perplexity != report.base.perplexity
    assert report.adapter.perplexity_with_context is not None
    assert report.base.perplexity_with_context is not None
    assert report.adapter.perplexity_with_context > report.base.perplexity_with_context
    assert not report.passed
    assert report.reasons[0].startswith("perplexity with context")
    assert report.reasons[0].endswith(": not better")


def _separate_answers(model: Any, tokenizer: Any, records: list[ChatRecord]) -> list[str]:
    """Greedy answers the straightforward way: generate() reads each batch's prompts itself."""
    prompts = [r["messages"][:-1] for r in records]
    texts = [format_chat(tokenizer, p, add_generation_prompt=True) for p in prompts]
    inputs = tokenizer(
        texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False
    )
    with torch.inference_mode():
        output = model.generate(
            **inputs, do_sample=False, max_new_tokens=24, pad_token_id=tokenizer.eos_token_id
        )
    new_tokens = output[:, inputs["input_ids"].shape[1] :]
    return [text.strip() for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]


def _separate_loss(model: Any, tokenizer: Any, record: ChatRecord) -> tuple[float, int]:
    """The reference answer's summed loss the way training computes it: one full forward."""
    example = tokenize_record(tokenizer, record, max_seq_len=2048)
    with torch.inference_mode():
        loss = answer_loss_sum(model, collate([example], tokenizer.eos_token_id))
    return float(loss), sum(1 for label in example.labels if label >= 0)


def test_base_and_adapter_read_together_give_the_losses_and_answers_of_separate_passes(
    llm_dir: Path, random_adapter: Path
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(llm_dir)
    base: Any = AutoModelForCausalLM.from_pretrained(llm_dir, dtype=torch.float32).eval()
    tuned: Any = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(llm_dir, dtype=torch.float32), str(random_adapter)
    ).eval()
    # Prompts of very different lengths (with a chunk, and without) share the batch, so the
    # left padding is wide; every prompt has its reference answer after it.
    records = [
        {"messages": [*context_prompt(pair, text), {"role": "assistant", "content": pair.answer}]}
        if (text := _chunk_text(pair)) is not None
        else record
        for pair, record in zip(PAIRS, to_chat_records(PAIRS), strict=True)
    ]

    together = score_and_generate(
        tuned, tokenizer, records, max_new_tokens=24, batch_size=4,
        pad_id=tokenizer.eos_token_id, adapter_names=[NO_ADAPTER, tuned.active_adapter],
    )  # fmt: skip

    for model, passes in ((base, together[0]), (tuned, together[1])):
        assert [p.generated for p in passes] == _separate_answers(model, tokenizer, records)
        for one, record in zip(passes, records, strict=True):
            loss, tokens = _separate_loss(model, tokenizer, record)
            assert one.tokens == tokens
            assert one.loss_sum == pytest.approx(loss, rel=1e-4)
    # The adapter's rows really ran with it.
    assert [p.generated for p in together[0]] != [p.generated for p in together[1]]
