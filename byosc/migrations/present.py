"""What a database already holds, for revisions that must also run on a database the
start-up code of earlier releases made: it created each store's tables when the store first
opened, so such a database may hold any part of a revision already."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def indexes(table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}
