"""Keeps the model server holding each course's active adapter, and tells chat which to use.

The model server is changed before the registry: an adapter the server refuses is never
recorded as active, and the one it would have replaced stays loaded. An active adapter that
cannot be loaded later (a model server restarted without it, its files gone from the
artifact store) is an error, logged and reported (`check`, chat's `adapter_error`), never a
quiet answer from the base model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from byosc.errors import (
    AdapterUnavailable,
    AlreadyExists,
    ByoscError,
    ModelUnavailable,
    NotFound,
)
from byosc.llm.adapters import AdapterRejected
from byosc.ports import AdapterHost, ArtifactStore
from byosc.training.models import AdapterRecord
from byosc.training.registry import SqlAdapterRegistry, check_promotable

log = logging.getLogger(__name__)


class AdapterServing:
    def __init__(
        self,
        model: AdapterHost,
        registry: SqlAdapterRegistry,
        artifacts: ArtifactStore,
        fetch_root: Path,
        *,
        served_ttl_s: float = 10.0,
        retry_s: float = 30.0,
        after_promotion: Callable[[AdapterRecord], None] | None = None,
    ) -> None:
        """`retry_s`: how long an adapter that failed to load is reported as failing before
        the next try, so chats and probes do not fetch and load it again on every call.
        `after_promotion` gets each newly active adapter (e.g. to publish it); what it
        raises is logged, and the promotion stands."""
        self.model = model
        self.registry = registry
        self.artifacts = artifacts
        self.fetch_root = fetch_root
        self.served_ttl_s = served_ttl_s
        self._served: set[str] = set()
        self._served_at = float("-inf")
        self.retry_s = retry_s
        # Course -> (when, why) its active adapter last failed to load.
        self._failures: dict[str, tuple[float, AdapterUnavailable]] = {}
        self.after_promotion = after_promotion

    def activate(self, record: AdapterRecord) -> Path:
        """Loads the adapter into the model server; AdapterRejected when the server refuses it
        (e.g. trained on another base model)."""
        path = self.artifacts.fetch_dir(record.uri, self.fetch_root / record.course_id)
        try:
            self.model.load_adapter(record.name, path)
        except AlreadyExists:
            pass  # names are unique and artifacts never change: it is this adapter
        except ModelUnavailable:
            raise
        except ByoscError as exc:
            raise AdapterRejected(f"the model server refused adapter {record.name}: {exc}") from exc
        self._served_at = float("-inf")
        return path

    def deactivate(self, name: str) -> None:
        with suppress(NotFound):  # not loaded: the wanted outcome already
            self.model.unload_adapter(name)
        self._served_at = float("-inf")

    def promote(
        self, name: str, *, force: bool = False
    ) -> tuple[AdapterRecord, AdapterRecord | None]:
        """Loads the adapter, makes it the course's active one, then unloads the one it
        replaced: (active, replaced)."""
        record = self.registry.get(name)
        check_promotable(record, force=force)
        self.activate(record)
        try:
            active, previous = self.registry.promote(name, force=force)
        except Exception:
            self._unload_unless_active(record)
            raise
        if previous is not None:
            self._unload_unless_active(previous)
        self._promoted(active)
        return active, previous

    def promote_or_defer(self, name: str, *, force: bool = False) -> AdapterRecord:
        """`promote`, or with the model server down, the adapter recorded as active all the
        same: inference loads it on the course's next chat (`model_for`)."""
        try:
            return self.promote(name, force=force)[0]
        except ModelUnavailable as exc:
            log.warning("model server unavailable, %s is loaded on first use: %s", name, exc)
            active = self.registry.promote(name, force=force)[0]
            self._promoted(active)
            return active

    def rollback(self, course_id: str) -> tuple[AdapterRecord, AdapterRecord]:
        """Loads the adapter the active one replaced, makes it active again, then unloads the
        demoted one: (restored, demoted)."""
        target = self.registry.rollback_target(course_id)
        self.activate(target)
        try:
            restored, demoted = self.registry.rollback(course_id)
        except Exception:
            self._unload_unless_active(target)
            raise
        if restored.name != target.name:  # another change got in between: serve the winner
            self.activate(restored)
            self._unload_unless_active(target)
        self._unload_unless_active(demoted)
        return restored, demoted

    def sync(self, course_id: str) -> AdapterRecord | None:
        """Makes the model server hold the course's active adapter and none of its others
        (after a model server restart, a crash between load and unload)."""
        active = self.registry.active(course_id)
        served = set(self.model.models())
        for record in self.registry.list(course_id):
            if record.name in served and (active is None or record.name != active.name):
                self.deactivate(record.name)
        if active is not None and active.name not in served:
            self.activate(active)
        return active

    def model_for(self, course_id: str, use_adapter: bool = True) -> str | None:
        """The model name chat should ask for: the course's active adapter, or None for the
        base model (no adapter wanted or active). Raises AdapterUnavailable when the active
        adapter cannot be loaded (chat answers with the base model and says why), and
        ModelUnavailable when the server does not answer: chat then answers degraded at
        once, rather than waiting for the server a second time."""
        if not use_adapter:
            return None
        active = self.registry.active(course_id)
        if active is None:
            return None
        if active.name not in self._served_names():
            self._load(active)
        return active.name

    def check(self) -> dict[str, str]:
        """Makes the model server hold every course's active adapter, loading those it lacks
        (after it restarted): course -> why its adapter cannot be served, for each that
        cannot. ModelUnavailable when the server does not answer."""
        served = self._served_names()
        active = self.registry.all_active()
        failing: dict[str, str] = {}
        for record in active:
            try:
                if record.name not in served:
                    self._load(record)
            except AdapterUnavailable as exc:
                failing[record.course_id] = str(exc)
        # A course whose failing adapter was rolled back or deleted fails no more.
        for course_id in set(self._failures) - {r.course_id for r in active}:
            self._failures.pop(course_id, None)
        return failing

    def _promoted(self, record: AdapterRecord) -> None:
        if self.after_promotion is None:
            return
        try:
            self.after_promotion(record)
        except Exception:  # the promotion is committed: nothing after it may undo or fail it
            log.exception("after promoting %s", record.name)

    def _load(self, record: AdapterRecord) -> None:
        """`activate`, unless it failed less than retry_s ago; AdapterUnavailable when the
        files are missing or the server refuses them."""
        failed_at, failed = self._failures.get(record.course_id, (0.0, None))
        recent = time.monotonic() - failed_at < self.retry_s
        if failed is not None and failed.adapter == record.name and recent:
            raise failed
        try:
            self.activate(record)
        except ModelUnavailable:
            raise  # not a fault of this adapter: the server did not answer
        except ByoscError as exc:
            error = AdapterUnavailable(record.course_id, record.name, str(exc))
            self._failures[record.course_id] = (time.monotonic(), error)
            log.error("%s; chats of course %s get the base model", error, record.course_id)
            raise error from exc
        self._failures.pop(record.course_id, None)

    def _served_names(self) -> set[str]:
        # Chat asks on every request; the server's list is re-read only now and then.
        if time.monotonic() - self._served_at > self.served_ttl_s:
            self._served = set(self.model.models())
            self._served_at = time.monotonic()
        return self._served

    def _unload_unless_active(self, record: AdapterRecord) -> None:
        active = self.registry.active(record.course_id)
        if active is not None and active.name == record.name:
            return
        try:
            self.deactivate(record.name)
        except ByoscError as exc:
            log.warning("could not unload adapter %s: %s", record.name, exc)
