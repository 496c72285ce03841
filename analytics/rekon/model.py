"""Reconciliation-risk model for one satker-month: P(SELISIH), the class, and the reasons in words.

``RekonRiskModel`` is gradient boosting (scikit-learn ``HistGradientBoostingClassifier``) on the raw
counts and rupiah amounts of the 20 attributes. Probabilities are calibrated by Platt scaling (a logistic
fit on the logit of out-of-fold predictions of the training data: smooth, so no ties and no exact 0 or 1)
and the SELISIH threshold is chosen on those same out-of-fold predictions to maximise Cohen's kappa (the
paper's agreement measure). Reasons are the largest contributions: how
much the probability falls when one attribute is set to what an OK satker-month typically has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from analytics.errors import ModelError
from analytics.money import format_desimal
from analytics.rekon.schema import (
    ATTRIBUTE_BY_COLUMN,
    FEATURE_COLUMNS,
    KEWENANGAN,
    KEWENANGAN_NAMES,
    LABEL_COLUMN,
    OK,
    SELISIH,
    TIDAK_ADA,
    classify_risk,
    labels_to_int,
    rupiah_short,
)

MIN_REASON_POINTS = 0.01  # contributions under one probability point are not worth a sentence
# One OpenMP thread: on ~14k rows the booster's threads mostly wait on each other, and on a shared 2-core
# machine two threads measured 6x slower than one (10.3 s vs 1.7 s per fit).
BOOSTER_THREADS = 1


@dataclass(frozen=True)
class Contribution:
    """How much one attribute moves P(SELISIH) (``delta``, a probability difference) for this satker-month."""

    column: str
    label: str
    value: str
    typical: str
    delta: float


@dataclass(frozen=True)
class RekonPrediction:
    kode_satker: str | None
    periode: str | None
    probability: float  # P(SELISIH), 0..1
    kelas: str  # SELISIH | OK
    threshold: float
    reasons: tuple[str, ...]
    contributions: tuple[Contribution, ...] = field(default=())
    model: str = "gradient boosting (terkalibrasi)"


def feature_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Raw features as the booster reads them: kewenangan as a category, the rest as floats."""
    missing = [c for c in FEATURE_COLUMNS if c not in frame.columns]
    if missing:
        raise ModelError("data satker tidak lengkap; tidak ada kolom: " + ", ".join(missing))
    X = frame[list(FEATURE_COLUMNS)].copy()
    X["jenis_kewenangan"] = pd.Categorical(X["jenis_kewenangan"].astype(str), categories=KEWENANGAN)
    for col in FEATURE_COLUMNS[1:]:
        X[col] = X[col].astype(float)
    return X


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))[:, None]


def _describe(column: str, value) -> str:
    attr = ATTRIBUTE_BY_COLUMN[column]
    if attr.kind == "kewenangan":
        return f"{value} ({KEWENANGAN_NAMES.get(str(value), value)})"
    if attr.kind == "amount":
        label = attr.bins.label([float(value)])[0]
        return f"{rupiah_short(float(value))} ({label})" if float(value) > 0 else f"Rp0 ({TIDAK_ADA})"
    return f"{int(round(float(value)))}"


class RekonRiskModel:
    """Calibrated gradient boosting on raw attributes. ``fit(frame)`` needs the ``status_rekon`` column."""

    def __init__(
        self,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 8,
        min_samples_leaf: int = 50,
        l2_regularization: float = 1.0,
        inner_folds: int = 3,
        random_state: int = 0,
    ):
        # small, fixed-size trees without early stopping: the same model at every data size, and cheap
        # enough that cross-validation with inner calibration folds runs in about a minute on 2 cores
        self.params = dict(
            max_iter=max_iter,
            learning_rate=learning_rate,
            max_leaf_nodes=max_leaf_nodes,
            min_samples_leaf=min_samples_leaf,
            l2_regularization=l2_regularization,
            early_stopping=False,
        )
        self.inner_folds = inner_folds
        self.random_state = random_state
        self.booster: HistGradientBoostingClassifier | None = None
        self.calibrator: LogisticRegression | None = None
        self.threshold: float = 0.5
        self.typical: dict[str, object] = {}
        self.n_train = 0

    def _new_booster(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            categorical_features="from_dtype", random_state=self.random_state, **self.params
        )

    def fit(self, frame: pd.DataFrame, y=None) -> "RekonRiskModel":
        """Fit on validated rows (``rekon_io.load_rekon_export`` or ``generate_rekon_dataset``)."""
        with threadpool_limits(limits=BOOSTER_THREADS, user_api="openmp"):
            return self._fit(frame, y)

    def _fit(self, frame: pd.DataFrame, y=None) -> "RekonRiskModel":
        X = feature_matrix(frame)
        y = labels_to_int(frame[LABEL_COLUMN]) if y is None else np.asarray(y, dtype=int)
        if len(np.unique(y)) < 2 or min(np.bincount(y)) < self.inner_folds:
            raise ModelError("data latih harus memuat cukup baris OK dan SELISIH untuk melatih model")
        oof = np.zeros(len(y))
        folds = StratifiedKFold(self.inner_folds, shuffle=True, random_state=self.random_state)
        for tr, te in folds.split(X, y):
            oof[te] = self._new_booster().fit(X.iloc[tr], y[tr]).predict_proba(X.iloc[te])[:, 1]
        self.calibrator = LogisticRegression(C=1e4).fit(_logit(oof), y)
        calibrated = self.calibrator.predict_proba(_logit(oof))[:, 1]
        grid = np.round(np.arange(0.10, 0.71, 0.01), 2)
        kappas = [cohen_kappa_score(y, labels_to_int(classify_risk(calibrated, t))) for t in grid]
        self.threshold = float(grid[int(np.argmax(kappas))])
        self.booster = self._new_booster().fit(X, y)
        ok_rows = frame.loc[y == 0]
        self.typical = {
            c: (ok_rows[c].mode().iloc[0] if c == "jenis_kewenangan" else float(ok_rows[c].median()))
            for c in FEATURE_COLUMNS
        }
        self.n_train = len(y)
        return self

    def _check_fitted(self) -> None:
        if self.booster is None:
            raise ModelError("model risiko rekonsiliasi belum dilatih")

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated P(SELISIH) per row."""
        self._check_fitted()
        with threadpool_limits(limits=BOOSTER_THREADS, user_api="openmp"):
            raw = self.booster.predict_proba(feature_matrix(frame))[:, 1]
        return self.calibrator.predict_proba(_logit(raw))[:, 1]

    def classify(self, probability):
        """SELISIH or OK for P(SELISIH) (a number, or an array of them) at this model's threshold."""
        return classify_risk(probability, self.threshold)

    def predict_label(self, frame: pd.DataFrame) -> np.ndarray:
        return self.classify(self.predict_proba(frame))

    def contributions(self, row: pd.Series) -> list[Contribution]:
        """Per attribute: P(x) minus P(x with that attribute set to the typical OK value), largest first."""
        self._check_fitted()
        base = pd.DataFrame([row[list(FEATURE_COLUMNS)]])
        variants = pd.concat([base] * (len(FEATURE_COLUMNS) + 1), ignore_index=True)
        for i, col in enumerate(FEATURE_COLUMNS, start=1):
            variants.loc[i, col] = self.typical[col]
        probs = self.predict_proba(variants)
        out = [
            Contribution(
                col,
                ATTRIBUTE_BY_COLUMN[col].label,
                _describe(col, row[col]),
                _describe(col, self.typical[col]),
                float(probs[0] - probs[i]),
            )
            for i, col in enumerate(FEATURE_COLUMNS, start=1)
        ]
        return sorted(out, key=lambda c: -c.delta)

    def predict(self, row: Mapping | pd.Series | pd.DataFrame, max_reasons: int = 3) -> RekonPrediction:
        """Probability, class and reasons (Indonesian) for one satker-month with raw attribute values."""
        if isinstance(row, pd.DataFrame):
            if len(row) != 1:
                raise ModelError(f"predict menerima satu baris satker-bulan, bukan {len(row)}")
            row = row.iloc[0]
        row = pd.Series(dict(row))
        p = float(self.predict_proba(pd.DataFrame([row]))[0])
        kelas = self.classify(p)
        contribs = self.contributions(row)
        return RekonPrediction(
            kode_satker=row.get("kode_satker"),
            periode=row.get("periode"),
            probability=p,
            kelas=kelas,
            threshold=self.threshold,
            reasons=tuple(self._reasons(p, kelas, contribs, max_reasons)),
            contributions=tuple(contribs),
        )

    def _reasons(self, p: float, kelas: str, contribs: list[Contribution], k: int) -> list[str]:
        pct = lambda x: format_desimal(100 * x, 1)  # noqa: E731
        head = f"Peluang selisih {pct(p)}% (batas kelas SELISIH {pct(self.threshold)}%): " + (
            "berisiko SELISIH." if kelas == SELISIH else "diperkirakan OK."
        )
        ups = [c for c in contribs if c.delta >= MIN_REASON_POINTS][:k]
        downs = [c for c in reversed(contribs) if c.delta <= -MIN_REASON_POINTS][:k]
        lines = [head]
        for c in ups:
            lines.append(
                f"{c.label} {c.value}, sedangkan satker-bulan yang OK umumnya {c.typical}: "
                f"menaikkan peluang selisih {pct(c.delta)} poin persen."
            )
        if kelas == OK or not ups:
            for c in downs[: max(1, k - len(ups))]:
                lines.append(f"{c.label} {c.value} menurunkan peluang selisih {pct(-c.delta)} poin persen.")
        if len(lines) == 1:
            lines.append("Tidak ada atribut yang menggeser peluang lebih dari 1 poin persen.")
        return lines

    # ---------------------------------------------------------------- persistence
    def save(self, path: Path) -> Path:
        """Write the fitted model to ``path`` (settings: ``rekon_model_path``), atomically."""
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump({"version": 1, "columns": list(FEATURE_COLUMNS), "model": self}, tmp)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> "RekonRiskModel":
        """The model saved at ``path``; ModelError when it is missing, unreadable or made for other columns."""
        path = Path(path)
        if not path.exists():
            raise ModelError(f"model risiko rekonsiliasi belum tersimpan di {path}")
        try:
            blob = joblib.load(path)
        except Exception as exc:  # noqa: BLE001 - a corrupt file means: retrain
            raise ModelError(f"model di {path} tidak dapat dibaca; latih ulang: {exc}") from exc
        if not isinstance(blob, dict) or blob.get("columns") != list(FEATURE_COLUMNS):
            raise ModelError(f"model di {path} dibuat untuk atribut lain; latih ulang")
        return blob["model"]
