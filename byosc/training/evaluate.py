"""A course adapter against its base model on held-out pairs, and the rule that promotes it.

Every prompt goes through `format_chat`, as in training and serving. Answers are generated
with the pair's source chunk in the prompt, laid out by `build_messages` as /chat does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import torch

from byosc.datasets.export import to_chat_records
from byosc.domain import SLIDE_DECK, ChatMessage, Chunk, ScoredChunk
from byosc.errors import ByoscError
from byosc.instructions.models import InstructionPair
from byosc.ports import Embedder
from byosc.rag.prompt import build_messages
from byosc.training.answer_metrics import mean_rouge_l, mean_similarity
from byosc.training.answer_pass import NO_ADAPTER, AnswerPass, score_and_generate
from byosc.training.models import EvalReport, ModelScores
from byosc.training.promotion import promotion_decision
from byosc.training.settings import EvalSettings

ChunkText = Callable[[InstructionPair], str | None]
Progress = Callable[[str], None]
HELD_OUT_SPLITS = ("test", "validation")


def evaluate_adapter(
    base_dir: Path,
    adapter_dir: Path,
    pairs: Sequence[InstructionPair],
    *,
    embedder: Embedder,
    chunk_text: ChunkText,
    settings: EvalSettings,
    progress: Progress = lambda _line: None,
) -> EvalReport:
    """Scores the base model and the same weights with the adapter, side by side in each
    batch, and applies the rule; `progress` gets a line as the scoring moves on."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    chosen = held_out(pairs, settings.max_pairs)
    if not chosen:
        raise ByoscError("no held-out (test or validation) pairs to evaluate the adapter on")
    contexts = [chunk_text(pair) for pair in chosen]
    tokenizer = AutoTokenizer.from_pretrained(base_dir, local_files_only=True)
    on_gpu = torch.cuda.is_available()
    model: Any = AutoModelForCausalLM.from_pretrained(
        base_dir, dtype=torch.bfloat16 if on_gpu else torch.float32, local_files_only=True
    )
    model.to("cuda" if on_gpu else "cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # raised inside peft, not ours to fix
        tuned = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
    base, adapter = score_models(
        tuned.eval(), tokenizer, chosen, contexts, embedder, settings,
        adapter_names=[NO_ADAPTER, tuned.active_adapter],
        progress=lambda line: progress(f"evaluating the base model and the adapter: {line}"),
    )  # fmt: skip
    passed, reasons, rule = promotion_decision(base, adapter, settings)
    return EvalReport(
        pairs=len(chosen), base=base, adapter=adapter, rule=rule, passed=passed, reasons=reasons
    )


def held_out(pairs: Sequence[InstructionPair], max_pairs: int) -> list[InstructionPair]:
    """Test pairs, then validation pairs, by id: the same sample whatever order they come in."""
    ranked = [p for p in pairs if p.split in HELD_OUT_SPLITS]
    ranked.sort(key=lambda p: (HELD_OUT_SPLITS.index(p.split), p.id))
    return ranked[:max_pairs]


def score_models(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[InstructionPair],
    contexts: Sequence[str | None],
    embedder: Embedder,
    settings: EvalSettings,
    *,
    adapter_names: Sequence[str] | None = None,
    progress: Progress = lambda _line: None,
) -> list[ModelScores]:
    """The scores of the model as it is, or of each of a PeftModel's `adapter_names`
    (NO_ADAPTER: the base model); `contexts[i]` is the source chunk text of `pairs[i]`."""
    plain = to_chat_records(pairs)
    prompts = [
        context_prompt(pair, text) if text is not None else record["messages"][:-1]
        for pair, text, record in zip(pairs, contexts, plain, strict=True)
    ]
    answered = [
        {"messages": [*prompt, record["messages"][-1]]}
        for prompt, record in zip(prompts, plain, strict=True)
    ]
    run = partial(
        score_and_generate,
        model,
        tokenizer,
        batch_size=settings.batch_size,
        pad_id=_pad_id(tokenizer),
        adapter_names=adapter_names,
    )
    progress(f"perplexity of {len(pairs)} reference answers without their chunk")
    without = run(plain, max_new_tokens=0)
    # One prefill of each prompt serves both its reference answer's loss and its answer.
    with_chunk = run(
        answered,
        max_new_tokens=settings.max_new_tokens,
        progress=lambda done: progress(f"prompts with their chunk {done}/{len(pairs)}"),
    )
    references = [pair.answer for pair in pairs]
    scores = []
    for plain_passes, passes in zip(without, with_chunk, strict=True):
        chunked = [p for p, text in zip(passes, contexts, strict=True) if text is not None]
        model_scores = ModelScores(
            perplexity=_perplexity(plain_passes),
            perplexity_with_context=_perplexity(chunked) if chunked else None,
        )
        if settings.max_new_tokens > 0:
            generated = [p.generated or "" for p in passes]
            model_scores.rouge_l = mean_rouge_l(references, generated)
            model_scores.similarity = mean_similarity(embedder, references, generated)
        scores.append(model_scores)
    return scores


def context_prompt(pair: InstructionPair, text: str) -> list[dict[str, str]]:
    """The prompt /chat would send for the pair's question with its chunk as source [1]."""
    chunk = Chunk(
        id=pair.chunk_id,
        course_id=pair.course_id,
        document_id=pair.document_id,
        index=0,
        text=text,
        title=pair.filename,
        filename=pair.filename,
        media_type=SLIDE_DECK if pair.filename.lower().endswith(".pptx") else None,
        page=pair.page,
        start_s=pair.start_s,
        end_s=pair.end_s,
    )
    question = [ChatMessage(role="user", content=pair.question)]
    return build_messages(question, [ScoredChunk(chunk=chunk, score=1.0)])


def _perplexity(passes: Sequence[AnswerPass]) -> float:
    """exp of the mean loss per answer token (each record's assistant turn and its end-of-turn
    marker, given the prompt before it), over all records; tokenized exactly as for training."""
    tokens = sum(p.tokens for p in passes)
    if tokens == 0:
        raise ValueError("no answer tokens to score")
    return math.exp(sum(p.loss_sum for p in passes) / tokens)


def _pad_id(tokenizer: Any) -> int:
    pad = tokenizer.pad_token_id
    return int(tokenizer.eos_token_id if pad is None else pad)
