"""A persisted FAISS inner-product index over unit vectors, with a manifest that detects staleness.

The manifest records the embedding model, the dimension and a hash of the content it was built from;
``VectorIndex.load`` refuses an index whose manifest does not match what the caller expects
(``StaleIndexError``), so the caller rebuilds instead of serving wrong neighbours. Saving writes to a
temporary folder and renames it into place, so a crash mid-save leaves the previous index intact.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np



def search_one_thread() -> None:
    """Let FAISS search on the calling process's one thread per query, for servers.

    The knowledge base's index is small (a few thousand vectors) and a server searches it one question at a
    time from many request threads: OpenMP's worker threads only add hand-over and spin-waiting there (one
    search over 1,542 vectors on 2 cores: 2.5 ms with two threads, 14 ms when the cores are busy, 0.4 ms
    with one). OpenMP's thread count is process-wide and PyTorch shares it, so only a process that does not
    run PyTorch for its sentence model may call this (``KnowledgeSearch.from_settings`` with ONNX Runtime);
    tuning and PyTorch encoding keep every core.
    """
    faiss.omp_set_num_threads(1)


class StaleIndexError(RuntimeError):
    """The index on disk was built from another model, dimension or content."""


@dataclass(frozen=True)
class IndexManifest:
    model: str
    dimension: int
    content_hash: str
    count: int = 0

    def matches(self, other: "IndexManifest") -> bool:
        return (self.model, self.dimension, self.content_hash) == (
            other.model,
            other.dimension,
            other.content_hash,
        )


def content_hash(items: list[str]) -> str:
    """Order-independent-of-nothing hash: the caller passes items in a canonical order."""
    h = hashlib.sha256()
    for item in items:
        h.update(item.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


class VectorIndex:
    """FAISS ``IndexIDMap2(IndexFlatIP)``: exact cosine search on normalised vectors, int64 ids."""

    def __init__(self, dimension: int):
        self.dimension = dimension
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of dimension {self.dimension}, got shape {vectors.shape}")
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def ids(self) -> np.ndarray:
        """The int64 ids of every stored vector."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors for ``ids`` (shape (len(ids), dimension)); KeyError-like RuntimeError if one is missing."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(self._index.reconstruct_batch(ids), dtype=np.float32)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) per query row; missing neighbours have id -1."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim == 1:
            vectors = vectors[None, :]
        k = max(1, min(k, len(self) or 1))
        return self._index.search(vectors, k)

    def save(self, directory: Path, manifest: IndexManifest) -> None:
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        try:
            faiss.write_index(self._index, str(tmp / "index.faiss"))
            (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
            old = directory.with_name(directory.name + ".old")
            if old.exists():
                shutil.rmtree(old)
            if directory.exists():
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path, expected: IndexManifest | None = None) -> tuple["VectorIndex", IndexManifest]:
        directory = Path(directory)
        manifest_path = directory / "manifest.json"
        if not manifest_path.exists():
            old = directory.with_name(directory.name + ".old")
            if (old / "manifest.json").exists():  # crash between the two renames of save()
                directory = old
                manifest_path = old / "manifest.json"
            else:
                raise FileNotFoundError(f"no index at {directory}")
        try:
            manifest = IndexManifest(**json.loads(manifest_path.read_text(encoding="utf-8")))
            raw = faiss.read_index(str(directory / "index.faiss"))
        except Exception as exc:  # noqa: BLE001 - corrupt files mean rebuild
            raise StaleIndexError(f"index at {directory} is unreadable: {exc}") from exc
        if expected is not None and not manifest.matches(expected):
            raise StaleIndexError(f"index at {directory} was built for {manifest}, expected {expected}")
        obj = cls(manifest.dimension)
        obj._index = raw
        return obj, manifest
