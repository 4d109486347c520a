"""A new dataset version for a course: pairs of unchanged documents are carried over, new
and changed documents get fresh pairs, and pairs of deleted documents are left out.

Document IDs come from content hashes, so a changed file is a new document: its old pairs
drop out with the old ID and its new chunks are generated afresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from byosc.datasets.split import assign_splits, document_splits
from byosc.errors import NotFound
from byosc.instructions.gate import QualityGate, report
from byosc.instructions.models import DatasetVersion, InstructionPair
from byosc.ports import Catalog, DatasetStore, InstructionGenerator, SearchIndex

Progress = Callable[[str, int, int], None]  # the step, stages done, stages in all


@dataclass
class DatasetBuilder:
    catalog: Catalog
    index: SearchIndex
    generator: InstructionGenerator
    gate: QualityGate
    store: DatasetStore
    seed: int = 0

    def build(
        self, course_id: str, progress: Progress = lambda _step, _done, _total: None
    ) -> DatasetVersion:
        """Writes the next version, or returns the latest when no document changed."""
        if self.catalog.get_course(course_id) is None:
            raise NotFound(f"course {course_id} does not exist")
        documents = {d.id: d for d in self.catalog.list_documents(course_id)}
        versions = self.store.list_versions(course_id)
        latest = versions[0] if versions else None
        done = set(latest.documents) & documents.keys() if latest else set()
        todo = [doc_id for doc_id in documents if doc_id not in done]
        if latest is not None and not todo and done == set(latest.documents):
            return latest
        carried = self._carried(latest, done)
        stages = len(todo) + 3  # read each new document, generate, check, write
        chunks = []
        for n, doc_id in enumerate(todo):
            progress(f"reading {documents[doc_id].filename}", n, stages)
            chunks += self.index.chunks(course_id, doc_id)
        progress(f"generating pairs from {len(chunks)} chunks", stages - 3, stages)
        generated = self.generator.generate(chunks)
        progress(f"checking {len(generated.candidates)} pairs", stages - 2, stages)
        kept, rejected = self.gate.check(generated.candidates, existing=carried)
        run = report(generated, kept, rejected)
        run.reused = len(carried)
        run.dropped = (latest.pairs if latest else 0) - len(carried)
        # Carried documents keep their split: no page moves between train and test.
        previous = document_splits(carried)
        pairs = assign_splits(carried + kept, seed=self.seed, previous=previous)
        version = DatasetVersion(
            course_id=course_id,
            version=(latest.version + 1) if latest else 1,
            parent=latest.version if latest else None,
            pairs=len(pairs),
            splits=dict(Counter(p.split for p in pairs)),
            documents=sorted(documents),
            report=run,
        )
        progress(f"writing version {version.version}: {len(pairs)} pairs", stages - 1, stages)
        return self.store.write_version(version, pairs)

    def _carried(self, latest: DatasetVersion | None, keep: set[str]) -> list[InstructionPair]:
        if latest is None:
            return []
        return [
            p for p in self.store.pairs(latest.course_id, latest.version) if p.document_id in keep
        ]
