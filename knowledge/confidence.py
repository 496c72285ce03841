"""From a ranking to a confidence (0..1) and one of three outcomes: answer, answer with alternatives, hand off.

The confidence is a logistic model over a few features of the ranking: the fused and dense scores of the
best entry, its lead over the runner-up, how much of the question BM25 could match, and how much of the
question's vocabulary the knowledge base knows at all (out-of-scope questions use words the helpdesk never
sees). Its weights and the two thresholds are chosen on a development split made from the knowledge base's
own training questions plus a small set of out-of-scope questions (``knowledge.devsplit``), never on the
held-out evaluation set, and stored in ``knowledge/eval/retrieval_params.json``, one set per model kind
("base" = the configured model, "tuned" = its domain-tuned version).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from knowledge.retrieval import DEFAULT_WEIGHTS, Ranking

PARAMS_FILE = Path(__file__).resolve().parent / "eval" / "retrieval_params.json"
FEATURES = ("fused_top", "fused_margin", "dense_top", "dense_margin", "lexical_coverage", "known_fraction")

ANSWER, ALTERNATIVES, HANDOFF = "answer", "alternatives", "handoff"
# Bump when scoring changes (features, lexical processing): parameters chosen before no longer apply.
SCORING_VERSION = "scoring-v2"


@dataclass
class RetrievalParams:
    """Fusion weights, confidence model and thresholds for one embedding model kind."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # Hand-set defaults for when no tuned file exists (a fresh knowledge base): a confident answer needs a
    # fused score well above 0.6 and a clear lead over the runner-up.
    coefficients: dict[str, float] = field(default_factory=lambda: {
        "fused_top": 9.0, "fused_margin": 6.0, "dense_top": 3.0, "dense_margin": 0.0,
        "lexical_coverage": 1.0, "known_fraction": 2.0})
    intercept: float = -9.0
    answer_threshold: float = 0.6
    handoff_threshold: float = 0.3
    chosen_on: str = "default (belum dipilih pada dev split)"

    def confidence(self, ranking: Ranking) -> float:
        """Estimated probability (0..1) that the best-ranked entry answers the question."""
        values = features(ranking)
        z = self.intercept + sum(self.coefficients.get(k, 0.0) * v for k, v in values.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def outcome(self, confidence: float) -> str:
        if confidence >= self.answer_threshold:
            return ANSWER
        if confidence >= self.handoff_threshold:
            return ALTERNATIVES
        return HANDOFF


def features(ranking: Ranking) -> dict[str, float]:
    """The confidence model's inputs for one ranking (all roughly 0..1)."""
    if not ranking.entry_ids:
        return {k: 0.0 for k in FEATURES}
    order = ranking.order("fused", 2)
    top = int(order[0])
    second = int(order[1]) if len(order) > 1 else None
    dense_order = ranking.order("dense", 2)
    dense_top = float(ranking.dense[dense_order[0]])
    dense_second = float(ranking.dense[dense_order[1]]) if len(dense_order) > 1 else 0.0
    ceiling = ranking.lexical_ceiling
    return {
        "fused_top": float(ranking.fused[top]),
        "fused_margin": float(ranking.fused[top] - (ranking.fused[second] if second is not None else 0.0)),
        "dense_top": dense_top,
        "dense_margin": dense_top - dense_second,
        "lexical_coverage": float(ranking.lexical[top] / ceiling) if ceiling > 0 else 0.0,
        "known_fraction": float(ranking.known_fraction),
    }


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (small dense problems; no scikit-learn needed)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0  # the intercept is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -50, 50)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def load_params(kind: str = "base", path: Path = PARAMS_FILE) -> RetrievalParams:
    """Parameters chosen on the dev split for ``kind`` ("base" or "tuned"); defaults when none were chosen."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return RetrievalParams(**data[kind])
    except (OSError, KeyError, TypeError, ValueError):
        return RetrievalParams()


def save_params(params: dict[str, RetrievalParams], path: Path = PARAMS_FILE, note: str = "",
                extra: dict | None = None) -> None:
    """Write the parameter sets (one per kind) to ``path``, keeping kinds not given."""
    from knowledge.store import write_atomic

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data.update({kind: asdict(p) for kind, p in params.items()})
    if note:
        data["_note"] = note
    for key, value in (extra or {}).items():  # e.g. the dev figures, merged per kind
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
