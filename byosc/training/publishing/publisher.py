"""HubPublisher: a promoted adapter's files and its model card, uploaded in one commit to a
Hub repository (made private by default), the outcome recorded on the adapter.

Published: the artifact directory as stored (adapter_model.safetensors, adapter_config.json,
the tokenizer files, byosc_adapter.json), with README.md replaced by the card written from
the registry's record. A failed upload is recorded with its reason and raised as
PublishFailed; on promotion (`on_promotion`) it is only logged, so the promotion stands.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from byosc.domain import utcnow
from byosc.errors import ByoscError, NotFound
from byosc.ports import ArtifactStore, DatasetStore
from byosc.training.models import AdapterRecord
from byosc.training.publishing.card import CardFacts, base_model_id, model_card
from byosc.training.publishing.hub_requests import hub_requests
from byosc.training.publishing.models import AdapterPublication
from byosc.training.publishing.store import SqlAdapterPublications
from byosc.training.settings import HubSettings

log = logging.getLogger(__name__)
CARD = "README.md"


class PublishRefused(ByoscError):
    """Nothing was sent: no token, or an adapter that was never promoted."""


class PublishFailed(ByoscError):
    """The hub refused the upload or did not answer; the adapter's publication says why."""


class HubPublisher:
    def __init__(
        self,
        settings: HubSettings,
        artifacts: ArtifactStore,
        datasets: DatasetStore,
        publications: SqlAdapterPublications,
        fetch_root: Path,
    ) -> None:
        self.settings = settings
        self.artifacts = artifacts
        self.datasets = datasets
        self.publications = publications
        self.fetch_root = fetch_root

    def repo_id(self, record: AdapterRecord) -> str:
        """The repository an adapter goes to unless another is named."""
        name = f"{self.settings.repo_prefix}{record.name}"
        return f"{self.settings.namespace}/{name}" if self.settings.namespace else name

    def publish(self, record: AdapterRecord, repo_id: str | None = None) -> AdapterPublication:
        """Uploads the adapter and its card; the publication recorded either way."""
        token = self.settings.token
        if token is None:
            raise PublishRefused(
                "no hub token: set BYOSC_TRAINING__HUB__TOKEN to a token that may write "
                f"to {self.settings.namespace or 'your namespace'} on {self.settings.endpoint}"
            )
        if record.promoted_at is None:
            raise PublishRefused(
                f"{record.name} was never promoted; only promoted adapters are published"
            )
        started = AdapterPublication(
            adapter_name=record.name,
            repo_id=repo_id or self.repo_id(record),
            state="publishing",
            private=self.settings.private,
            attempted_at=utcnow(),
        )
        self.publications.save(started)
        try:
            url, revision, full_id = self._upload(record, started.repo_id, token.get_secret_value())
        except Exception as exc:
            reason = _reason(exc, self.settings.endpoint)
            self.publications.save(started.model_copy(update={"state": "failed", "error": reason}))
            raise PublishFailed(f"publishing {record.name} failed: {reason}") from exc
        done = started.model_copy(
            update={
                "state": "published",
                "repo_id": full_id,
                "url": url,
                "revision": revision,
                "published_at": utcnow(),
            }
        )
        return self.publications.save(done)

    def on_promotion(self, record: AdapterRecord) -> None:
        """Publishes a newly promoted adapter; a failure is on its record, never raised."""
        try:
            publication = self.publish(record)
        except ByoscError as exc:
            log.warning("%s stays active unpublished: %s", record.name, exc)
            return
        log.info("published %s to %s", record.name, publication.url)

    def _upload(self, record: AdapterRecord, repo_id: str, token: str) -> tuple[str, str, str]:
        """(repository URL, commit ID, full repository ID)."""
        from huggingface_hub import CommitOperationAdd, HfApi

        files = self.artifacts.fetch_dir(record.uri, self.fetch_root / record.course_id)
        card = model_card(
            CardFacts(
                record=record,
                repo_id=repo_id,
                dataset=self.datasets.get_version(record.course_id, record.dataset_version),
                base_model_id=base_model_id(record.base_model, self.settings.base_model_id),
                license=self.settings.license,
            )
        )
        operations = [
            CommitOperationAdd(
                path_in_repo=path.relative_to(files).as_posix(), path_or_fileobj=path
            )
            for path in _files_to_publish(files)
        ]
        operations.append(CommitOperationAdd(path_in_repo=CARD, path_or_fileobj=card.encode()))
        api = HfApi(endpoint=self.settings.endpoint, token=token)
        with hub_requests(self.settings.timeout_s):
            repo = api.create_repo(repo_id, private=self.settings.private, exist_ok=True)
            commit = api.create_commit(
                repo.repo_id,
                operations,
                commit_message=f"{record.name}: adapter v{record.version} of {record.course_id}",
                commit_description=(
                    f"Trained on dataset v{record.dataset_version} of {record.course_id}, "
                    f"base model {record.base_model}."
                ),
            )
        return str(repo), commit.oid, repo.repo_id


def _files_to_publish(directory: Path) -> list[Path]:
    """The artifact's files but its own README (the card replaces it) and hidden markers."""
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file()
        and path.relative_to(directory).as_posix() != CARD
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )


def _reason(exc: Exception, endpoint: str) -> str:
    """One line for the adapter's record: the hub's own message when it gave one."""
    response: Any = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None) is not None:
        message = getattr(exc, "server_message", None) or response.reason_phrase
        return f"{endpoint} answered {response.status_code}: {message}".strip()
    if isinstance(exc, NotFound):
        return str(exc)
    if type(exc).__module__.startswith(("httpx", "httpcore")):
        return f"cannot reach {endpoint}: {type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}"
