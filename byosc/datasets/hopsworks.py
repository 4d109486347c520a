"""HopsworksDatasetStore: dataset versions, their pairs and course chunks in feature groups.

Feature groups have no transactions and no unique constraints, so immutability is kept by
the order of writes: a version's pairs are written first, tagged with a write ID, and the
version row last, naming that write ID. Readers see a version only once its row exists and
read only the pairs of its write, so a write that dies half way leaves nothing visible and
can be retried. Two writers of the same version at the same moment are not caught here;
the job store runs one dataset build per course at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from byosc.datasets import check_pairs, in_reading_order
from byosc.domain import Chunk, DatasetVersion, InstructionPair, Split
from byosc.errors import AlreadyExists

if TYPE_CHECKING:
    from byosc.settings import DatasetSettings

PAIRS = "byosc_instruction_pairs"
VERSIONS = "byosc_dataset_versions"
CHUNKS = "byosc_chunks"
_GROUPS = {  # name: (primary key, description)
    PAIRS: (["course_id", "dataset_version", "pair_id"], "BYOSC instruction pairs by version"),
    VERSIONS: (["course_id", "dataset_version"], "BYOSC dataset versions, immutable once written"),
    CHUNKS: (["course_id", "chunk_id"], "BYOSC course chunks, the passages pairs come from"),
}
# Optional numbers get a type of their own: a column of only None has none to infer.
_NULLABLE_NUMBERS = {"page": "Int64", "start_s": "float64", "end_s": "float64"}
_OPTIONAL_CHUNK_TEXT = ("media_type", "heading")
# Without waiting, an insert returns before the materialization job has run and a read
# straight after it would miss the rows.
_WAIT = {"wait_for_job": True}


class HopsworksDatasetStore:
    def __init__(self, project: Any) -> None:
        self._fs = project.get_feature_store()
        self._groups: dict[str, Any] = {}

    @classmethod
    def from_settings(cls, settings: DatasetSettings) -> HopsworksDatasetStore:
        """Logs in; unset fields fall back to HOPSWORKS_HOST, _PROJECT and _API_KEY."""
        import hopsworks

        project = hopsworks.login(
            host=settings.hopsworks_host,
            project=settings.hopsworks_project,
            api_key_value=settings.hopsworks_api_key,
        )
        return cls(project)

    def write_version(
        self, version: DatasetVersion, pairs: Sequence[InstructionPair]
    ) -> DatasetVersion:
        check_pairs(version, pairs)
        if self.get_version(version.course_id, version.version) is not None:
            raise AlreadyExists(
                f"version {version.version} of {version.course_id} already exists; "
                "a written version never changes"
            )
        write_id = uuid.uuid4().hex
        if pairs:
            rows = [_pair_row(p, version.version, write_id) for p in pairs]
            self._insert(PAIRS, rows)
        self._insert(VERSIONS, [_version_row(version, write_id)])
        return version

    def list_versions(self, course_id: str) -> list[DatasetVersion]:
        rows = self._read(VERSIONS, course_id=course_id)
        versions = [DatasetVersion.model_validate_json(r["version_json"]) for r in rows]
        return sorted(versions, key=lambda v: v.version, reverse=True)

    def get_version(self, course_id: str, version: int) -> DatasetVersion | None:
        row = self._version_row(course_id, version)
        return DatasetVersion.model_validate_json(row["version_json"]) if row else None

    def pairs(
        self, course_id: str, version: int, split: Split | None = None
    ) -> list[InstructionPair]:
        header = self._version_row(course_id, version)
        if header is None:
            return []
        where: dict[str, Any] = {"course_id": course_id, "dataset_version": version}
        if split is not None:
            where["split"] = split
        rows = [r for r in self._read(PAIRS, **where) if r["write_id"] == header["write_id"]]
        return in_reading_order([_pair(r) for r in rows])

    def delete_course(self, course_id: str) -> None:
        # The version rows go first: once they are gone, no reader looks for the pairs.
        for name in (VERSIONS, PAIRS, CHUNKS):
            key = _GROUPS[name][0]
            keys = [{k: r[k] for k in key} for r in self._read(name, course_id=course_id)]
            if keys:
                self._group(name).commit_delete_record(_frame(keys), write_options=_WAIT)

    def write_chunks(self, course_id: str, chunks: Sequence[Chunk]) -> None:
        """Upserts a course's chunks (by chunk ID) into the chunk feature group."""
        strangers = {c.course_id for c in chunks} - {course_id}
        if strangers:
            raise ValueError(f"chunks of {sorted(strangers)} written as {course_id}'s")
        if chunks:
            rows = [_chunk_row(c) for c in chunks]
            self._insert(CHUNKS, rows)

    def chunks(self, course_id: str) -> list[Chunk]:
        found = [Chunk.model_validate(_chunk(r)) for r in self._read(CHUNKS, course_id=course_id)]
        return sorted(found, key=lambda c: (c.document_id, c.index))

    def _version_row(self, course_id: str, version: int) -> dict[str, Any] | None:
        rows = self._read(VERSIONS, course_id=course_id, dataset_version=version)
        return rows[0] if rows else None

    def _group(self, name: str) -> Any:
        if name not in self._groups:
            key, description = _GROUPS[name]
            self._groups[name] = self._fs.get_or_create_feature_group(
                name=name,
                version=1,
                primary_key=key,
                description=description,
                online_enabled=False,
            )
        return self._groups[name]

    def _insert(self, name: str, rows: list[dict[str, Any]]) -> None:
        frame = _frame(rows)
        typed = {c: kind for c, kind in _NULLABLE_NUMBERS.items() if c in frame.columns}
        self._group(name).insert(frame.astype(typed), write_options=_WAIT)

    def _read(self, name: str, **equal: Any) -> list[dict[str, Any]]:
        group = self._group(name)
        if group.id is None:  # created lazily: nothing was ever inserted
            return []
        condition = None
        for column, value in equal.items():
            test = group.get_feature(column) == value
            condition = test if condition is None else condition & test
        frame = group.filter(condition).read()
        return [_plain(r) for r in frame.to_dict(orient="records")]


def _frame(rows: list[dict[str, Any]]) -> Any:
    import pandas as pd

    return pd.DataFrame.from_records(rows)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Python values from a pandas row: None where missing, int/float for numpy scalars."""
    import pandas as pd

    return {
        k: None if pd.isna(v) else v.item() if hasattr(v, "item") else v for k, v in row.items()
    }


def _blank_to_none(row: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    # Optional text is stored as "", for the same reason as _NULLABLE_NUMBERS.
    return row | {c: row[c] or None for c in columns}


def _pair_row(pair: InstructionPair, version: int, write_id: str) -> dict[str, Any]:
    row = pair.model_dump(exclude={"id"})
    row.update(pair_id=pair.id, dataset_version=version, write_id=write_id, model=pair.model or "")
    return row


def _pair(row: dict[str, Any]) -> InstructionPair:
    return InstructionPair.model_validate(_blank_to_none(row, ["model"]) | {"id": row["pair_id"]})


def _version_row(version: DatasetVersion, write_id: str) -> dict[str, Any]:
    return {
        "course_id": version.course_id,
        "dataset_version": version.version,
        "created_at": version.created_at,
        "pairs": version.pairs,
        "write_id": write_id,
        "version_json": version.model_dump_json(),
    }


def _chunk_row(chunk: Chunk) -> dict[str, Any]:
    row = chunk.model_dump(exclude={"id", "index"})
    row.update(chunk_id=chunk.id, chunk_index=chunk.index)
    return row | {c: row[c] or "" for c in _OPTIONAL_CHUNK_TEXT}


def _chunk(row: dict[str, Any]) -> dict[str, Any]:
    fields = _blank_to_none(row, _OPTIONAL_CHUNK_TEXT)
    return fields | {"id": row["chunk_id"], "index": row["chunk_index"]}
