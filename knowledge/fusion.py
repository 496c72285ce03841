"""Combining scores from several rankers (dense cosine, BM25, ...) into one. Generic, numpy only.

Per-query min-max or max scaling makes rankers comparable for ordering; absolute scores are kept aside
for confidence, because scaling per query throws away how good the best hit really is.
"""
from __future__ import annotations

import numpy as np


def scale_by_max(scores: np.ndarray) -> np.ndarray:
    """``scores / max(scores)`` (0 when all are 0); keeps zero as zero, unlike min-max."""
    scores = np.asarray(scores, dtype=np.float32)
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def min_max(scores: np.ndarray) -> np.ndarray:
    """Scale to 0..1 over this query's candidates (all 0 when they are all equal)."""
    scores = np.asarray(scores, dtype=np.float32)
    if not scores.size:
        return scores
    lo, hi = float(scores.min()), float(scores.max())
    return (scores - lo) / (hi - lo) if hi > lo else np.zeros_like(scores)


def weighted_sum(components: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Sum of ``weights[name] * components[name]``; all components must have the same shape."""
    total = None
    for name, weight in weights.items():
        part = weight * np.asarray(components[name], dtype=np.float32)
        total = part if total is None else total + part
    if total is None:
        raise ValueError("no components to fuse")
    return total


def reciprocal_rank(scores: np.ndarray, k: float = 60.0) -> np.ndarray:
    """Reciprocal-rank-fusion contribution 1/(k + rank) of each candidate (rank 1 = best)."""
    scores = np.asarray(scores)
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[order] = np.arange(1, len(scores) + 1, dtype=np.float32)
    return 1.0 / (k + ranks)
