"""One course adapter from a dataset version: train, evaluate against the base model, store,
register, and promote it when it passes the rule.

Each stage reports through `progress`; training stops at a step boundary when `should_stop`
says so, keeping its checkpoint. The checkpoint directory is named after the course, the
dataset version and the hyperparameters, so a run that was killed or stopped resumes when
the same training is asked for again.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from byosc.datasets.export import ChatRecord, to_chat_records
from byosc.errors import ByoscError, NotFound
from byosc.instructions.models import InstructionPair
from byosc.llm.adapters import AdapterRejected
from byosc.ports import ArtifactStore, DatasetStore, Embedder, SearchIndex
from byosc.training.base_model import BaseModelInfo
from byosc.training.evaluate import ChunkText, context_prompt, evaluate_adapter
from byosc.training.models import AdapterRecord, Hyperparameters, TrainProgress
from byosc.training.registry import SqlAdapterRegistry
from byosc.training.serving import AdapterServing
from byosc.training.settings import TrainingSettings
from byosc.training.trainer import train_lora

log = logging.getLogger(__name__)
ADAPTER_METADATA = "byosc_adapter.json"


@dataclass
class TrainingParts:
    """What a training run reads from and writes to."""

    datasets: DatasetStore
    index: SearchIndex
    embedder: Embedder
    registry: SqlAdapterRegistry
    artifacts: ArtifactStore
    serving: AdapterServing
    base: BaseModelInfo
    settings: TrainingSettings
    work_root: Path


def train_course_adapter(
    parts: TrainingParts,
    course_id: str,
    dataset_version: int | None,
    hp: Hyperparameters,
    *,
    progress: Callable[[str, TrainProgress | None], None] = lambda _step, _figures: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> AdapterRecord:
    """The registered adapter: active if it passed its evaluation (and the model server, if
    up, took it), rejected if it did not."""
    version = _dataset_version(parts.datasets, course_id, dataset_version)
    pairs = parts.datasets.pairs(course_id, version)
    chunk_text = ChunkTexts(parts.index, course_id)
    records = training_records(pairs, chunk_text if parts.settings.with_context else None)
    if not records:
        raise ByoscError(f"dataset v{version} of {course_id} has no training pairs")

    progress(f"loading {parts.base.name} to train on {len(records)} pairs", None)
    workdir = parts.work_root / course_id / _run_key(parts.base, version, hp)
    result = train_lora(
        parts.base.path,
        records,
        hp,
        workdir / "adapter",
        base_name=parts.base.name,
        checkpoint_dir=workdir / "checkpoints",
        progress=lambda p: progress(_training_line(p), p),
        should_stop=should_stop,
    )

    progress("evaluating the adapter against the base model", None)
    report = evaluate_adapter(
        parts.base.path,
        workdir / "adapter",
        pairs,
        embedder=parts.embedder,
        chunk_text=chunk_text,
        settings=parts.settings.eval,
        progress=lambda line: progress(line, None),
    )
    number = parts.registry.next_version(course_id)  # one training job per course at a time
    name = f"{course_id}-v{number}"
    record = AdapterRecord(
        name=name,
        course_id=course_id,
        version=number,
        dataset_version=version,
        base_model=parts.base.name,
        base_model_sha256=parts.base.sha256,
        hyperparameters=hp,
        training=result,
        evaluation=report,
        uri="",
    )
    # The artifact describes itself too: dataset, base weights, hyperparameters, metrics.
    metadata = record.model_dump_json(indent=2, exclude={"uri", "state", "promoted_at"})
    (workdir / "adapter" / ADAPTER_METADATA).write_text(metadata)
    # Keyed by the served name alone: vLLM's filesystem resolver finds <root>/<name>.
    uri = parts.artifacts.put_dir(name, workdir / "adapter")
    record = parts.registry.add(record.model_copy(update={"uri": uri}))
    shutil.rmtree(workdir, ignore_errors=True)  # stored: the checkpoints are done with
    if not report.passed:
        return parts.registry.set_state(name, "rejected")
    progress(f"promoting {name}", None)
    return _promote(parts.serving, record)


def _promote(serving: AdapterServing, record: AdapterRecord) -> AdapterRecord:
    try:
        return serving.promote_or_defer(record.name)
    except AdapterRejected as exc:  # it stays a candidate; the job's outcome says why
        log.warning("adapter %s stays a candidate: %s", record.name, exc)
        return serving.registry.get(record.name)


def training_records(
    pairs: list[InstructionPair], chunk_text: ChunkText | None
) -> list[ChatRecord]:
    """The train split as chat records; with `chunk_text`, each prompt carries the pair's
    source chunk the way /chat lays out retrieved passages."""
    train = [p for p in pairs if p.split == "train"]
    plain = to_chat_records(train)
    if chunk_text is None:
        return plain
    records = []
    for pair, record in zip(train, plain, strict=True):
        text = chunk_text(pair)
        prompt = context_prompt(pair, text) if text is not None else record["messages"][:-1]
        records.append({**record, "messages": [*prompt, record["messages"][-1]]})
    return records


class ChunkTexts:
    """A pair's source chunk text from the index, one document's chunks fetched at a time."""

    def __init__(self, index: SearchIndex, course_id: str) -> None:
        self.index = index
        self.course_id = course_id
        self._texts: dict[str, dict[str, str]] = {}

    def __call__(self, pair: InstructionPair) -> str | None:
        if pair.document_id not in self._texts:
            chunks = self.index.chunks(self.course_id, pair.document_id)
            self._texts[pair.document_id] = {c.id: c.text for c in chunks}
        return self._texts[pair.document_id].get(pair.chunk_id)


def _dataset_version(datasets: DatasetStore, course_id: str, version: int | None) -> int:
    if version is not None:
        if datasets.get_version(course_id, version) is None:
            raise NotFound(f"course {course_id} has no dataset version {version}")
        return version
    versions = datasets.list_versions(course_id)
    if not versions:
        raise NotFound(f"course {course_id} has no instruction dataset yet: generate one first")
    return max(v.version for v in versions)


def _run_key(base: BaseModelInfo, version: int, hp: Hyperparameters) -> str:
    content = f"{base.sha256}\n{version}\n{hp.model_dump_json()}"
    return f"v{version}-" + hashlib.sha256(content.encode()).hexdigest()[:16]


def _training_line(p: TrainProgress) -> str:
    parts = [f"training: step {p.step}/{p.total_steps}"]
    if p.loss is not None:
        parts.append(f"loss {p.loss:.3f}")
    if p.tokens_per_s is not None:
        parts.append(f"{p.tokens_per_s:.0f} tokens/s")
    if p.eta_s is not None:
        parts.append(f"ETA {p.eta_s:.0f} s")
    return ", ".join(parts)
