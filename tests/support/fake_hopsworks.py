"""A fake of the Hopsworks feature store, in memory, for tests.

Hopsworks is a hosted platform that cannot run here, so the dataset store's contract runs
against this stand-in. It has exactly the calls HopsworksDatasetStore makes, with the
real names and signatures (hsfs 4.x), and keeps the behaviours that adapter relies on:

- `get_or_create_feature_group` returns a lazy group: `id` is None and it cannot be read
  until the first `insert` creates it. That insert fixes the columns and their types, so a
  column holding only missing values is refused: it has no type to infer.
- `insert` upserts on the primary key; `commit_delete_record` removes rows by primary key.
- `get_feature(name) == value` builds a filter, `&` combines filters, and
  `filter(...).read()` returns a pandas DataFrame.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

_ids = itertools.count(1)


@dataclass
class Filter:
    column: str
    value: Any

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        return frame[self.column] == self.value

    def __and__(self, other: Filter | Logic) -> Logic:
        return Logic([self, other])


@dataclass
class Logic:
    parts: list[Filter | Logic]

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        result = pd.Series(True, index=frame.index)
        for part in self.parts:
            result &= part.mask(frame)
        return result

    def __and__(self, other: Filter | Logic) -> Logic:
        return Logic([self, other])


@dataclass
class Feature:
    name: str

    def __eq__(self, value: object) -> Filter:  # type: ignore[override]
        return Filter(self.name, value)

    def __hash__(self) -> int:
        return hash(self.name)


@dataclass
class Query:
    group: FeatureGroup
    condition: Filter | Logic | None = None

    def filter(self, f: Filter | Logic) -> Query:
        return Query(self.group, f if self.condition is None else self.condition & f)

    def read(
        self,
        online: bool = False,
        dataframe_type: str = "default",
        read_options: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        frame = self.group.read()
        if self.condition is not None:
            frame = frame[self.condition.mask(frame)]
        return frame.reset_index(drop=True)


@dataclass
class FeatureGroup:
    name: str
    version: int
    primary_key: list[str]
    description: str
    online_enabled: bool
    id: int | None = None
    data: pd.DataFrame | None = None
    write_options: list[dict[str, Any] | None] = field(default_factory=list)

    def insert(
        self,
        features: pd.DataFrame,
        overwrite: bool = False,
        operation: str = "upsert",
        storage: str | None = None,
        write_options: dict[str, Any] | None = None,
        validation_options: dict[str, Any] | None = None,
        wait: bool = False,
    ) -> tuple[None, None]:
        self.write_options.append(write_options)
        if self.data is None:
            untyped = [c for c in features.columns if _untyped(features[c])]
            if untyped:
                raise ValueError(f"{self.name}: cannot infer the type of {untyped}")
            self.id = next(_ids)
            self.data = features.iloc[0:0].copy()
        if set(features.columns) != set(self.data.columns):
            raise ValueError(f"{self.name}: columns differ from the feature group's schema")
        kept = self.data[~self._keys(self.data).isin(self._keys(features))]
        self.data = pd.concat([kept, features[list(self.data.columns)]], ignore_index=True)
        return None, None

    def commit_delete_record(
        self, delete_df: pd.DataFrame, write_options: dict[str, Any] | None = None
    ) -> None:
        self.write_options.append(write_options)
        data = self._saved()
        self.data = data[~self._keys(data).isin(self._keys(delete_df))].reset_index(drop=True)

    def get_feature(self, name: str) -> Feature:
        if name not in self._saved().columns:
            raise ValueError(f"{self.name} has no feature {name}")
        return Feature(name)

    def select_all(self) -> Query:
        return Query(self)

    def filter(self, f: Filter | Logic) -> Query:
        return self.select_all().filter(f)

    def read(
        self,
        wallclock_time: str | None = None,
        online: bool = False,
        dataframe_type: str = "default",
        read_options: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        return self._saved().copy()

    def _saved(self) -> pd.DataFrame:
        if self.data is None:
            raise RuntimeError(f"feature group {self.name} was never saved: insert data first")
        return self.data

    def _keys(self, frame: pd.DataFrame) -> pd.Series:
        if frame.empty:
            return pd.Series([], dtype=str)
        return frame[self.primary_key].astype(str).agg("\x1f".join, axis=1)


class FeatureStore:
    def __init__(self) -> None:
        self.groups: dict[tuple[str, int], FeatureGroup] = {}

    def get_or_create_feature_group(
        self,
        name: str,
        version: int | None = None,
        description: str = "",
        online_enabled: bool = False,
        primary_key: list[str] | None = None,
        **options: Any,
    ) -> FeatureGroup:
        key = (name, version or 1)
        if key not in self.groups:
            self.groups[key] = FeatureGroup(
                name, key[1], list(primary_key or []), description, online_enabled
            )
        return self.groups[key]


class Project:
    """What `hopsworks.login()` returns, as far as the feature store goes."""

    def __init__(self) -> None:
        self.feature_store = FeatureStore()

    def get_feature_store(self, name: str | None = None) -> FeatureStore:
        return self.feature_store


def _untyped(column: pd.Series) -> bool:
    return column.dtype == object and bool(column.isna().all())
