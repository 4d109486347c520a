"""Evaluation sets in BEIR layout: corpus.jsonl, queries.jsonl and qrels/test.tsv.

Queries with no qrels are unanswerable from the corpus: they calibrate the threshold below
which the chat says the material does not cover a question. A query's metadata may carry
`kind` (what it tests), `history` (earlier user turns, for follow-up questions) and `answer`
(a reference answer, 1-2 sentences from the material, for `byosc eval answers`).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str
    heading: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    kind: str = ""
    history: tuple[str, ...] = ()
    answer: str = ""


@dataclass
class BeirSet:
    name: str
    corpus: dict[str, Passage]
    queries: list[Query]
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def answerable(self) -> list[Query]:
        return [q for q in self.queries if self.qrels.get(q.id)]

    @property
    def unanswerable(self) -> list[Query]:
        return [q for q in self.queries if not self.qrels.get(q.id)]


def load_beir(folder: Path, split: str = "test") -> BeirSet:
    folder = Path(folder)
    parts = ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv")
    missing = [part for part in parts if not (folder / part).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} is not a BEIR data set: missing {', '.join(missing)}")
    corpus = {row["_id"]: _passage(row) for row in _jsonl(folder / "corpus.jsonl")}
    queries = [_query(row) for row in _jsonl(folder / "queries.jsonl")]
    qrels = _qrels(folder / "qrels" / f"{split}.tsv")
    # A qrels row naming a query or passage the set lacks would quietly drop out of the
    # scores: refuse it, naming the IDs (the first few of each).
    unknown = {cid for grades in qrels.values() for cid in grades} - corpus.keys()
    if unknown:
        raise ValueError(f"qrels name passages missing from the corpus: {sorted(unknown)[:5]}")
    strays = qrels.keys() - {q.id for q in queries}
    if strays:
        raise ValueError(f"qrels name queries missing from queries.jsonl: {sorted(strays)[:5]}")
    # A set kept as <material>/eval is named after its material.
    name = folder.resolve().parent.name if folder.name == "eval" else folder.name
    return BeirSet(name=name, corpus=corpus, queries=queries, qrels=qrels)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _passage(row: dict[str, Any]) -> Passage:
    meta = row.get("metadata") or {}
    return Passage(
        id=str(row["_id"]),
        title=row.get("title") or "",
        text=row["text"],
        heading=meta.get("heading") or "",
        page=meta["page"] if isinstance(meta.get("page"), int) else None,
    )


def _query(row: dict[str, Any]) -> Query:
    meta = row.get("metadata") or {}
    return Query(
        id=str(row["_id"]),
        text=row["text"],
        kind=meta.get("kind", ""),
        history=tuple(meta.get("history", ())),
        answer=meta.get("answer", ""),
    )


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            grade = int(row["score"])
            if grade > 0:
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = grade
    return qrels
