"""An adapter evaluated against the real bundled base model on a few held-out pairs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from byosc.bootstrap import open_embedder
from byosc.instructions.models import InstructionPair
from byosc.ports import Embedder
from byosc.settings import Settings
from byosc.training.evaluate import evaluate_adapter, score_model
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
def report(llm_dir: Path, random_adapter: Path, embedder: Embedder) -> EvalReport:
    return evaluate_adapter(
        llm_dir, random_adapter, PAIRS, embedder=embedder, chunk_text=_chunk_text,
        settings=SETTINGS,
    )  # fmt: skip


def test_every_score_is_measured_and_perplexities_are_finite(report: EvalReport) -> None:
    assert report.pairs == 4
    for scores in (report.base, report.adapter):
        assert math.isfinite(scores.perplexity) and scores.perplexity > 1
        assert scores.perplexity_with_context is not None
        assert math.isfinite(scores.perplexity_with_context)
        assert scores.rouge_l is not None and 0 <= scores.rouge_l <= 1
        assert scores.similarity is not None and -1 <= scores.similarity <= 1


def test_the_base_scores_are_the_same_when_computed_again(
    report: EvalReport, llm_dir: Path, embedder: Embedder
) -> None:
    model = AutoModelForCausalLM.from_pretrained(llm_dir, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(llm_dir)
    contexts = [_chunk_text(pair) for pair in PAIRS]
    again = score_model(model, tokenizer, PAIRS, contexts, embedder, SETTINGS)
    assert again == report.base


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
