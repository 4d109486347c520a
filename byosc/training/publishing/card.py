"""The model card (README.md) of a published adapter, written from what the registry keeps
about it: base model, dataset version and size, hyperparameters, training figures and the
evaluation against the base model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from byosc.domain import DatasetVersion
from byosc.training.models import AdapterRecord, EvalReport, Hyperparameters, TrainResult

# The bundled model's Hub ID, for cards of adapters trained on it.
KNOWN_BASE_IDS = {"smollm2-135m-instruct": "HuggingFaceTB/SmolLM2-135M-Instruct"}
PROJECT = "BYOSC"


@dataclass(frozen=True)
class CardFacts:
    record: AdapterRecord
    repo_id: str
    dataset: DatasetVersion | None  # None: the version is gone from the dataset store
    base_model_id: str | None = None  # the base model's Hub ID, when it has one
    license: str | None = None


def base_model_id(served_name: str, configured: str | None) -> str | None:
    """The Hub ID the card names as base model: the configured one, the served name when it
    reads as one (owner/name), or the bundled model's."""
    if configured:
        return configured
    if "/" in served_name:
        return served_name
    return KNOWN_BASE_IDS.get(served_name.lower())


def model_card(facts: CardFacts) -> str:
    """README.md: YAML metadata the Hub reads, then the card in prose and tables."""
    from huggingface_hub import ModelCard, ModelCardData

    record = facts.record
    data = ModelCardData(
        base_model=facts.base_model_id,
        library_name="peft",
        pipeline_tag="text-generation",
        license=facts.license,
        tags=["lora", "peft", "byosc", f"course-{record.course_id}"],
        model_name=facts.repo_id.split("/")[-1],
    )
    sections = [
        _introduction(facts),
        _dataset_section(record, facts.dataset),
        _training_section(record.hyperparameters, record.training),
        _evaluation_section(record.evaluation),
        _usage_section(facts),
        _limitations_section(facts),
    ]
    body = "\n\n".join(s for s in sections if s)
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n\n{body}\n"))


def _base_name(facts: CardFacts) -> str:
    return facts.base_model_id or facts.record.base_model


def _introduction(facts: CardFacts) -> str:
    record = facts.record
    promoted = (
        f", promoted on {record.promoted_at:%Y-%m-%d}" if record.promoted_at is not None else ""
    )
    return (
        f"# {facts.repo_id.split('/')[-1]}\n\n"
        f"A LoRA adapter that makes **{_base_name(facts)}** a study buddy for the course "
        f"**{record.course_id}**. It was fine-tuned on question-and-answer pairs that "
        f"{PROJECT} generated from the course's own material (lecture notes, slides, "
        f"documents and recordings). This is version {record.version} of the course's "
        f"adapter{promoted}.\n\n"
        "It answers best when asked the way BYOSC's chat asks: with passages of the course "
        "material retrieved for the question, numbered in the prompt, so that the answer "
        "can cite them."
    )


def _dataset_section(record: AdapterRecord, dataset: DatasetVersion | None) -> str:
    version = f"Version {record.dataset_version} of the course's instruction dataset"
    if dataset is None:
        size = "(its size is not known: the version is no longer stored)"
    else:
        splits = ", ".join(
            f"{n:,} {name}" for name, n in sorted(dataset.splits.items(), key=_split_order)
        )
        size = f"holds {_count(dataset.pairs, 'pair')}" + (f" ({splits})" if splits else "")
        if dataset.documents:
            size += f", generated from {_count(len(dataset.documents), 'document')}"
    return (
        "## Training data\n\n"
        f"{version} {size}. The adapter trained on the train split; the held-out splits "
        "served its evaluation. The pairs are not published with the adapter: they quote "
        "the course material."
    )


def _training_section(hp: Hyperparameters, result: TrainResult | None) -> str:
    rows = [
        ("LoRA rank (r)", str(hp.rank)),
        ("LoRA alpha", str(hp.alpha)),
        ("LoRA dropout", f"{hp.dropout:g}"),
        ("Target modules", ", ".join(hp.target_modules)),
        ("Learning rate", f"{hp.learning_rate:g}"),
        ("Epochs", f"{hp.epochs:g}"),
        ("Max steps", str(hp.max_steps) if hp.max_steps is not None else "none"),
        ("Batch size", f"{hp.batch_size} x {hp.grad_accumulation} (gradient accumulation)"),
        ("Max sequence length", f"{hp.max_seq_len} tokens"),
        ("Warm-up steps", str(hp.warmup_steps)),
        ("Seed", str(hp.seed)),
        ("4-bit base (QLoRA)", "yes" if hp.qlora else "no"),
    ]
    text = "## Training\n\n" + _table(("Hyperparameter", "Value"), rows)
    if result is not None:
        losses = (
            f"; training loss {result.losses[0]:.3f} at the first step, "
            f"{result.losses[-1]:.3f} at the last"
            if result.losses
            else ""
        )
        text += (
            f"\n\nTrained for {_count(result.steps, 'step')} ({result.tokens:,} tokens) in "
            f"{_duration(result.seconds)}{losses}."
        )
    return text


def _evaluation_section(report: EvalReport | None) -> str:
    if report is None:
        return "## Evaluation\n\nThis adapter was not evaluated against its base model."
    rows = []
    for label, field, digits in (
        ("Perplexity of the reference answers", "perplexity", 2),
        ("Perplexity, source passage in the prompt", "perplexity_with_context", 2),
        ("ROUGE-L F1 of generated answers", "rouge_l", 3),
        ("Embedding similarity of generated answers", "similarity", 3),
    ):
        rows.append(
            (label, _score(report.base, field, digits), _score(report.adapter, field, digits))
        )
    verdict = "It passed" if report.passed else "It did not pass"
    reasons = "".join(f"\n- {reason}" for reason in report.reasons)
    return (
        "## Evaluation\n\n"
        f"The base model and the adapter answered the same {_count(report.pairs, 'held-out pair')} "
        "(test split first, then validation). Lower perplexity is better; ROUGE-L and "
        "embedding similarity compare the generated answers, written with the source passage "
        "in the prompt, with the reference answers, and higher is better.\n\n"
        + _table(("Metric", "Base model", "Adapter"), rows, numeric=True)
        + f"\n\nPromotion rule: {report.rule}. {verdict}:{reasons}"
    )


def _usage_section(facts: CardFacts) -> str:
    base = _base_name(facts)
    return (
        "## Use\n\n"
        "```python\n"
        "from peft import PeftModel\n"
        "from transformers import AutoModelForCausalLM, AutoTokenizer\n\n"
        f'base = AutoModelForCausalLM.from_pretrained("{base}")\n'
        f'model = PeftModel.from_pretrained(base, "{facts.repo_id}")\n'
        f'tokenizer = AutoTokenizer.from_pretrained("{facts.repo_id}")\n'
        "```\n\n"
        "With vLLM: `vllm serve "
        f"{base} --enable-lora --lora-modules {facts.record.course_id}={facts.repo_id}`."
    )


def _limitations_section(facts: CardFacts) -> str:
    record = facts.record
    license_line = (
        ""
        if facts.license
        else " No license is declared: the course material's terms decide who may use it."
    )
    return (
        "## Limitations\n\n"
        f"The adapter knows the course material as it was when dataset version "
        f"{record.dataset_version} was built, and only as well as the generated pairs cover "
        "it; answers should be checked against the cited material. It was trained on base "
        f"weights whose safetensors files hash to SHA-256 `{record.base_model_sha256[:16]}...`; "
        f"other weights published under the same name may not suit it.{license_line}"
    )


def _split_order(item: tuple[str, int]) -> tuple[int, str]:
    order = ("train", "validation", "test")
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


def _table(
    header: tuple[str, ...], rows: Sequence[tuple[str, ...]], *, numeric: bool = False
) -> str:
    align = ["---"] + [("---:" if numeric else "---")] * (len(header) - 1)
    lines = [_row(header), _row(tuple(align))]
    lines += [_row(tuple(cell.replace("|", "\\|") for cell in row)) for row in rows]
    return "\n".join(lines)


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def _score(scores: object, field: str, digits: int) -> str:
    value = getattr(scores, field)
    return "not measured" if value is None else f"{value:.{digits}f}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"
