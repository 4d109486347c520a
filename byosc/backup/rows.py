"""Table rows as JSON lines that read back the same into SQLite or PostgreSQL.

A table's file starts with a header (its columns and how each is written), then one JSON
array per row. Only values JSON cannot carry as they are get a form of their own:
timestamps as ISO 8601 in UTC, bytes as base64. The header's kinds come from the source's
column types, so the reader needs nothing but the file and the target's own columns.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

import sqlalchemy as sa

from byosc.backup.manifest import BackupRefused

Kind = str  # "datetime", "date", "bytes", "json" or "plain"


@dataclass(frozen=True)
class TableHeader:
    table: str
    columns: list[str]
    kinds: list[Kind]


def column_kind(column_type: sa.types.TypeEngine[Any]) -> Kind:
    if isinstance(column_type, sa.DateTime):
        return "datetime"
    if isinstance(column_type, sa.Date):
        return "date"
    if isinstance(column_type, sa.LargeBinary):
        return "bytes"
    if isinstance(column_type, sa.JSON):
        return "json"
    return "plain"


def header_of(table: sa.Table) -> TableHeader:
    return TableHeader(
        table.name, [c.name for c in table.columns], [column_kind(c.type) for c in table.columns]
    )


def write_header(out: IO[str], header: TableHeader) -> None:
    fields = {"table": header.table, "columns": header.columns, "kinds": header.kinds}
    out.write(json.dumps(fields) + "\n")


def write_row(out: IO[str], header: TableHeader, row: sa.Row[Any]) -> None:
    values = [_encode(kind, value) for kind, value in zip(header.kinds, row, strict=True)]
    out.write(json.dumps(values, ensure_ascii=False) + "\n")


def read_table(lines: IO[bytes], member: str) -> tuple[TableHeader, Iterator[dict[str, Any]]]:
    """The header, then the rows as column -> value, decoded."""
    try:
        fields = json.loads(lines.readline())
        header = TableHeader(fields["table"], list(fields["columns"]), list(fields["kinds"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupRefused(f"{member} has no table header: {exc}") from exc

    def rows() -> Iterator[dict[str, Any]]:
        for line in lines:
            values = json.loads(line)
            yield {
                column: _decode(kind, value)
                for column, kind, value in zip(header.columns, header.kinds, values, strict=True)
            }

    return header, rows()


def _encode(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        # SQLite keeps no time zone: the stores write UTC there, so naive means UTC.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    return value
