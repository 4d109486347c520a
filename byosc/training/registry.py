"""SqlAdapterRegistry: course adapters and their states in the metadata DB. At most one per
course is active (a partial unique index, whatever the race); each promotion remembers the
adapter it replaced, so rollbacks walk back through the promotions in order."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from byosc.catalog.sql import UtcDateTime
from byosc.domain import utcnow
from byosc.errors import AlreadyExists, ByoscError, NotFound
from byosc.training.models import AdapterRecord, AdapterState

metadata = sa.MetaData()

adapters = sa.Table(
    "adapters",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("course_id", sa.String(64), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("dataset_version", sa.Integer, nullable=False),
    sa.Column("base_model", sa.String(500), nullable=False),
    sa.Column("base_model_sha256", sa.String(64), nullable=False),
    sa.Column("hyperparameters", sa.JSON, nullable=False),
    sa.Column("training", sa.JSON, nullable=True),
    sa.Column("evaluation", sa.JSON, nullable=True),
    sa.Column("uri", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("promoted_at", UtcDateTime(), nullable=True),
    sa.Column("replaced", sa.String(200), nullable=True),  # the active one it took over from
    sa.UniqueConstraint("course_id", "version"),
    sa.Index(
        "one_active_adapter_per_course",
        "course_id",
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    ),
)


class InvalidTransition(ByoscError):
    """The adapter's state does not allow the change asked for."""


def check_promotable(record: AdapterRecord, *, force: bool = False) -> None:
    if record.state not in ("candidate", "retired"):
        raise InvalidTransition(
            f"{record.name} is {record.state}; only candidate or retired adapters can be promoted"
        )
    if record.evaluation is not None and not record.evaluation.passed and not force:
        reasons = "; ".join(record.evaluation.reasons) or record.evaluation.rule
        raise InvalidTransition(
            f"{record.name} did not pass its evaluation ({reasons}); force=true promotes it anyway"
        )


class SqlAdapterRegistry:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, record: AdapterRecord) -> AdapterRecord:
        if record.state == "active":
            raise InvalidTransition(f"add {record.name} as a candidate, then promote it")
        try:
            with self.engine.begin() as conn:
                conn.execute(adapters.insert().values(**_row(record)))
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(f"adapter {record.name} or its version exists already") from exc
        return record

    def get(self, name: str) -> AdapterRecord:
        with self.engine.connect() as conn:
            return _get(conn, name)

    def active(self, course_id: str) -> AdapterRecord | None:
        with self.engine.connect() as conn:
            return _active(conn, course_id)

    def all_active(self) -> builtins.list[AdapterRecord]:
        """Every course's active adapter, by course."""
        query = adapters.select().where(adapters.c.state == "active")
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(adapters.c.course_id)).all()
        return [_record(r) for r in rows]

    def next_version(self, course_id: str) -> int:
        query = sa.select(sa.func.max(adapters.c.version)).where(adapters.c.course_id == course_id)
        with self.engine.connect() as conn:
            return (conn.execute(query).scalar() or 0) + 1

    def set_state(self, name: str, state: AdapterState) -> AdapterRecord:
        with self.engine.begin() as conn:
            current = _get(conn, name)
            if "active" in (state, current.state):
                raise InvalidTransition(f"{name}: only promote and rollback change the active one")
            _set(conn, name, state=state)
        return current.model_copy(update={"state": state})

    def promote(
        self, name: str, *, force: bool = False
    ) -> tuple[AdapterRecord, AdapterRecord | None]:
        """Makes `name` its course's active adapter and retires the one it replaces."""
        with self.engine.begin() as conn:
            record = _get(conn, name)
            _lock_course(conn, record.course_id)
            record = _get(conn, name)
            check_promotable(record, force=force)
            previous = _active(conn, record.course_id)
            if previous is not None:
                _set(conn, previous.name, state="retired")
            promoted_at = utcnow()
            replaced = previous.name if previous else None
            _set(conn, name, state="active", promoted_at=promoted_at, replaced=replaced)
        new = record.model_copy(update={"state": "active", "promoted_at": promoted_at})
        return new, previous.model_copy(update={"state": "retired"}) if previous else None

    def rollback_target(self, course_id: str) -> AdapterRecord:
        """The adapter a rollback would make active again: the one the active one replaced."""
        with self.engine.connect() as conn:
            return _target(conn, course_id)[1]

    def rollback(self, course_id: str) -> tuple[AdapterRecord, AdapterRecord]:
        """Retires the active adapter and restores the one it replaced: (restored, demoted)."""
        with self.engine.begin() as conn:
            _lock_course(conn, course_id)
            demoted, restored = _target(conn, course_id)
            _set(conn, demoted.name, state="retired")
            _set(conn, restored.name, state="active")
        demoted = demoted.model_copy(update={"state": "retired"})
        return restored.model_copy(update={"state": "active"}), demoted

    def delete_course(self, course_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(adapters.delete().where(adapters.c.course_id == course_id))

    def close(self) -> None:
        self.engine.dispose()

    def list(self, course_id: str) -> builtins.list[AdapterRecord]:
        """The course's adapters, newest first."""
        query = adapters.select().where(adapters.c.course_id == course_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(adapters.c.version.desc())).all()
        return [_record(r) for r in rows]


def _lock_course(conn: sa.Connection, course_id: str) -> None:
    """Makes concurrent state changes of one course run one after the other, each reading
    the rows the one before it wrote."""
    if conn.dialect.name == "sqlite":
        # pysqlite begins the transaction at the first write, which takes the write lock.
        unchanged = adapters.update().values(state=adapters.c.state)
        conn.execute(unchanged.where(adapters.c.course_id == course_id))
        return
    # Rows locked in one order by every transaction: they queue instead of deadlocking.
    query = sa.select(adapters.c.name).where(adapters.c.course_id == course_id)
    conn.execute(query.order_by(adapters.c.name).with_for_update()).all()


def _target(conn: sa.Connection, course_id: str) -> tuple[AdapterRecord, AdapterRecord]:
    """(the active adapter, the one it replaced), or why there is nothing to roll back to."""
    active = _active(conn, course_id)
    if active is None:
        raise InvalidTransition(f"course {course_id} has no active adapter to roll back")
    replaced = sa.select(adapters.c.replaced).where(adapters.c.name == active.name)
    previous = _first(conn, adapters.c.name == replaced.scalar_subquery())
    if previous is None or previous.state != "retired":
        raise InvalidTransition(f"nothing to roll back to: {active.name} replaced no retired one")
    return active, previous


def _active(conn: sa.Connection, course_id: str) -> AdapterRecord | None:
    return _first(conn, adapters.c.course_id == course_id, adapters.c.state == "active")


def _get(conn: sa.Connection, name: str) -> AdapterRecord:
    if (found := _first(conn, adapters.c.name == name)) is None:
        raise NotFound(f"adapter {name} does not exist")
    return found


def _first(conn: sa.Connection, *where: sa.ColumnElement[bool]) -> AdapterRecord | None:
    row = conn.execute(adapters.select().where(*where)).first()
    return _record(row) if row else None


def _set(conn: sa.Connection, name: str, **values: Any) -> None:
    conn.execute(adapters.update().where(adapters.c.name == name).values(**values))


def _row(record: AdapterRecord) -> dict[str, Any]:
    row = record.model_dump(mode="json", exclude={"created_at", "promoted_at"})
    return row | {"created_at": record.created_at, "promoted_at": record.promoted_at}


def _record(row: sa.Row[Any]) -> AdapterRecord:
    return AdapterRecord.model_validate(row._asdict())  # `replaced` is the table's own
