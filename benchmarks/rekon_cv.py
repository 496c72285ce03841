"""Stratified k-fold cross-validation of reconciliation-risk models on the same folds, paper's metrics.

Metrics (SELISIH is the positive class): accuracy, Cohen's kappa, ROC AUC and the TP rate of SELISIH as
in the paper (section 4.4), plus PR-AUC (average precision) and the Brier score of the probabilities.
A model is a function ``(train_frame, test_frame) -> (P(SELISIH), predicted labels)``; the project's
C4.5 baseline and the calibrated booster are built in, others (Weka J48) are passed by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    cohen_kappa_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold
from tqdm.auto import tqdm

from analytics.rekon.model import RekonRiskModel
from analytics.rekon.schema import LABEL_COLUMN, labels_to_int, to_paper_attributes
from benchmarks.rekon_c45 import C45Tree, leaf_majority

FoldModel = Callable[[pd.DataFrame, pd.DataFrame], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class RekonMetrics:
    accuracy: float
    kappa: float
    roc_auc: float
    tp_rate_selisih: float
    pr_auc: float
    brier: float
    n: int

    def as_dict(self) -> dict[str, float]:
        return {
            k: getattr(self, k)
            for k in ("accuracy", "kappa", "roc_auc", "tp_rate_selisih", "pr_auc", "brier", "n")
        }


@dataclass
class RekonCVResult:
    metrics: dict[str, RekonMetrics]
    probabilities: dict[str, np.ndarray]  # out-of-fold P(SELISIH), row order of the input frame
    labels: dict[str, np.ndarray]  # out-of-fold predicted classes
    folds: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    fit_seconds: dict[str, float] = field(default_factory=dict)


def compute_metrics(y_true, prob, predicted) -> RekonMetrics:
    """The paper's metrics plus PR-AUC and Brier; ``y_true``/``predicted`` are OK/SELISIH labels or 0/1."""
    y = labels_to_int(y_true) if np.asarray(y_true).dtype == object else np.asarray(y_true, dtype=int)
    yhat = (
        labels_to_int(predicted)
        if np.asarray(predicted).dtype == object
        else np.asarray(predicted, dtype=int)
    )
    prob = np.asarray(prob, dtype=float)
    return RekonMetrics(
        accuracy=float(accuracy_score(y, yhat)),
        kappa=float(cohen_kappa_score(y, yhat)),
        roc_auc=float(roc_auc_score(y, prob)),
        tp_rate_selisih=float(yhat[y == 1].mean()) if (y == 1).any() else float("nan"),
        pr_auc=float(average_precision_score(y, prob)),
        brier=float(brier_score_loss(y, prob)),
        n=int(len(y)),
    )


def rekon_folds(y, n_folds: int = 10, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds (row positions); every model in a comparison must use these same folds."""
    y = labels_to_int(y) if np.asarray(y).dtype == object else np.asarray(y, dtype=int)
    return list(StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def c45_fold(train: pd.DataFrame, test: pd.DataFrame, cf: float = 0.25, min_leaf: int = 2):
    """The project's C4.5 baseline on the paper's binned attributes; class = leaf majority."""
    tree = C45Tree(cf=cf, min_leaf=min_leaf).fit(
        to_paper_attributes(train), labels_to_int(train[LABEL_COLUMN])
    )
    prob = tree.predict_proba(to_paper_attributes(test))
    return prob, leaf_majority(prob)


def booster_fold(train: pd.DataFrame, test: pd.DataFrame, **params):
    """The calibrated booster on raw attributes; class by its kappa-tuned threshold (chosen on train only)."""
    model = RekonRiskModel(**params).fit(train)
    prob = model.predict_proba(test)
    return prob, model.classify(prob)


BUILTIN_MODELS: dict[str, FoldModel] = {"c45": c45_fold, "model": booster_fold}


def cross_validate_rekon(
    frame: pd.DataFrame,
    models: Mapping[str, FoldModel] | None = None,
    n_folds: int = 10,
    seed: int = 1,
    folds: list[tuple[np.ndarray, np.ndarray]] | None = None,
    progress: bool = False,
) -> RekonCVResult:
    """Evaluate each model on the same stratified folds of ``frame`` (needs ``status_rekon``)."""
    import time

    models = dict(models or BUILTIN_MODELS)
    frame = frame.reset_index(drop=True)
    y = frame[LABEL_COLUMN].to_numpy(dtype=object)
    folds = folds or rekon_folds(y, n_folds, seed)
    probs = {name: np.full(len(frame), np.nan) for name in models}
    labels = {name: np.empty(len(frame), dtype=object) for name in models}
    seconds = {name: 0.0 for name in models}
    steps = tqdm(total=len(folds) * len(models), desc="cross-validation", disable=not progress)
    for tr, te in folds:
        train, test = frame.iloc[tr], frame.iloc[te]
        for name, fn in models.items():
            start = time.perf_counter()
            p, lab = fn(train, test)
            seconds[name] += time.perf_counter() - start
            probs[name][te], labels[name][te] = p, lab
            steps.update(1)
    steps.close()
    metrics = {name: compute_metrics(y, probs[name], labels[name]) for name in models}
    return RekonCVResult(
        metrics=metrics, probabilities=probs, labels=labels, folds=folds, fit_seconds=seconds
    )
