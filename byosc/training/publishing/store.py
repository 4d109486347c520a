"""SqlAdapterPublications: each adapter's latest publication to a model hub, in the metadata
DB beside the adapters (revision 0008); deleted with its adapter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime
from byosc.training.models import AdapterRecord
from byosc.training.publishing.models import AdapterPublication, AdapterView
from byosc.training.registry import adapters, metadata

adapter_publications = sa.Table(
    "adapter_publications",
    metadata,
    sa.Column(
        "adapter_name",
        sa.String(200),
        sa.ForeignKey("adapters.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("repo_id", sa.String(200), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("private", sa.Boolean, nullable=False),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("revision", sa.String(64), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("attempted_at", UtcDateTime(), nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=True),
)


class SqlAdapterPublications:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def save(self, publication: AdapterPublication) -> AdapterPublication:
        """Records the publication, replacing the adapter's previous one."""
        row = publication.model_dump()
        table = adapter_publications
        with self.engine.begin() as conn:
            where = table.c.adapter_name == publication.adapter_name
            if conn.execute(table.update().where(where).values(**row)).rowcount == 0:
                conn.execute(table.insert().values(**row))
        return publication

    def get(self, adapter_name: str) -> AdapterPublication | None:
        query = adapter_publications.select().where(
            adapter_publications.c.adapter_name == adapter_name
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _publication(row) if row else None

    def of_course(self, course_id: str) -> dict[str, AdapterPublication]:
        """The course's adapters' publications, by adapter name."""
        query = (
            adapter_publications.select()
            .join(adapters, adapters.c.name == adapter_publications.c.adapter_name)
            .where(adapters.c.course_id == course_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {row.adapter_name: _publication(row) for row in rows}

    def views(self, records: Sequence[AdapterRecord]) -> list[AdapterView]:
        """The records with their publications, in the same order."""
        published: dict[str, AdapterPublication] = {}
        for course_id in {r.course_id for r in records}:
            published |= self.of_course(course_id)
        return [AdapterView(**r.model_dump(), publication=published.get(r.name)) for r in records]


def _publication(row: sa.Row[Any]) -> AdapterPublication:
    return AdapterPublication.model_validate(row._asdict())
