"""Bill fairness for a whole batch (a month's bills, or every bill of a history) in a few numpy passes.

No per-row Python: bills are placed on a dense idpel x month grid, the ``window`` months before each
bill are read through a sliding-window view, and :func:`analytics.bills.rules.score_windows` judges all
rows at once. 1,000,000 bills take about a second or two on one core.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from analytics.bills.fairness import explain_verdict
from analytics.bills.rules import (
    DEFAULT_THRESHOLD, DEFAULT_WINDOW, MIN_HISTORY, SPREAD_WINDOW, STAT_NAMES, TIDAK_WAJAR, VERDICTS, Method,
    score_windows,
)
from analytics.ids import parse_periode
from analytics.bills.schema import ANOMALI, IDPEL, KODE_SATKER, NILAI, PERIODE
from analytics.errors import InvalidInputError
from analytics.money import format_rupiah

_ORDINAL_1970 = 1970 * 12
OUTPUT_STATS = ("rata_rata", "median", "modus", "minimum", "maksimum", "simpangan_baku", "mad")


def _month_ordinals(col: pd.Series) -> np.ndarray:
    if isinstance(col.dtype, pd.PeriodDtype):
        return col.array.asi8.astype(np.int64)
    if pd.api.types.is_integer_dtype(col.dtype):  # yyyymm numbers
        v = col.to_numpy(dtype=np.int64)
        return (v // 100 - 1970) * 12 + v % 100 - 1
    return np.array([parse_periode(v).ordinal for v in col], dtype=np.int64)


def score_bills_batch(
    bills: pd.DataFrame,
    *,
    window: int = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
    method: Method = "paper",
    min_history: int = MIN_HISTORY,
    spread_window: int = SPREAD_WINDOW,
    month: object | None = None,
    with_reason: bool = False,
) -> pd.DataFrame:
    """Judge bills against their own idpel's previous ``window`` months.

    ``bills`` needs columns idpel, periode (monthly Period, yyyymm int or text) and nilai_tagihan
    (rupiah > 0; loaders drop bad rows first). With ``month`` only that month's bills are judged (all rows
    serve as history). A second bill for the same idpel and month is "tidak wajar" (basis "ganda"): it
    is billed twice. Returns one row per judged bill, index of ``bills``, with the statistics, the
    deviations (fractions), ``verdict`` (categorical) and ``basis``; ``reason`` too when ``with_reason``
    (a Python loop: use it for a satker's month, not for a million rows).
    """
    missing = [c for c in (IDPEL, PERIODE, NILAI) if c not in bills.columns]
    if missing:
        raise InvalidInputError(f"kolom wajib tidak ada pada data tagihan: {', '.join(missing)}")
    if len(bills) == 0:
        return _empty_result()
    codes, _ = pd.factorize(bills[IDPEL], sort=False)
    months = _month_ordinals(bills[PERIODE])
    amounts = bills[NILAI].to_numpy(dtype=np.float64)
    if np.any(~np.isfinite(amounts)) or np.any(amounts <= 0):
        raise InvalidInputError("nilai tagihan harus angka lebih dari 0 rupiah; bersihkan data dengan pemuat (loader)")
    m0 = int(months.min())
    n_m = int(months.max()) - m0 + 1
    n_id = int(codes.max()) + 1
    flat = codes.astype(np.int64) * n_m + (months - m0)
    # First occurrence of each (idpel, month) holds the history; later ones are duplicates.
    order = np.argsort(flat, kind="stable")
    dup_sorted = np.zeros(len(flat), dtype=bool)
    dup_sorted[1:] = flat[order][1:] == flat[order][:-1]
    duplicate = np.empty_like(dup_sorted)
    duplicate[order] = dup_sorted
    span = max(window, spread_window) if method == "robust" else window
    grid = np.full((n_id, n_m + span), np.nan)
    keep = ~duplicate
    grid[codes[keep], (months[keep] - m0) + span] = amounts[keep]

    selected = np.ones(len(bills), dtype=bool)
    if month is not None:
        selected = months == parse_periode(month).ordinal
    rows = np.flatnonzero(selected)
    view = sliding_window_view(grid, span, axis=1)  # view[i, j] = months j-span .. j-1 (grid is shifted)
    long_windows = view[codes[rows], months[rows] - m0]
    res = score_windows(amounts[rows], long_windows[:, span - window:], spread_windows=long_windows[:, span - spread_window:]
                        if method == "robust" else None, threshold=threshold, method=method, min_history=min_history)

    verdict = res["verdict"].copy()
    basis_names = np.array(list(STAT_NAMES) + ["ganda", ""], dtype=object)
    basis = res["basis"].astype(np.int64)
    basis = np.where(basis < 0, len(STAT_NAMES) + 1, basis)
    dup_rows = duplicate[rows]
    verdict[dup_rows] = VERDICTS.index(TIDAK_WAJAR)
    basis[dup_rows] = len(STAT_NAMES)

    out = pd.DataFrame(index=bills.index[rows])
    for col in (KODE_SATKER, IDPEL, PERIODE):
        if col in bills.columns:
            out[col] = bills[col].array.take(rows)  # keeps Period / string dtypes (no object round trip)
    out[NILAI] = amounts[rows].astype(np.int64)
    out["n_riwayat"] = res["n"].astype(np.int16)
    for name in OUTPUT_STATS:
        out[name] = res[name]
    for name in STAT_NAMES:
        out[f"dev_{name}"] = res[f"dev_{name}"]
    out["z"] = res["z"]
    out["robust_z"] = res["robust_z"]
    out["verdict"] = pd.Categorical.from_codes(verdict, categories=list(VERDICTS))
    out["basis"] = pd.Categorical.from_codes(basis, categories=list(basis_names))
    if with_reason:
        out["reason"] = [_reason_for(r, window, threshold, method, min_history) for r in out.itertuples(index=False)]
    return out


def _reason_for(r, window: int, threshold: float, method: str, min_history: int) -> str:
    nan_none = lambda v: None if v is None or (isinstance(v, float) and not np.isfinite(v)) else v  # noqa: E731
    basis = str(r.basis) or None
    periode = getattr(r, PERIODE, None)
    periode = periode if isinstance(periode, pd.Period) else None
    if basis == "ganda":
        return (f"Tagihan {format_rupiah(r.nilai_tagihan)} tidak wajar: idpel ini sudah ditagih untuk bulan yang "
                "sama (tagihan ganda); PPK perlu menguji tagihan ini secara manual.")
    return explain_verdict(
        verdict=str(r.verdict), method=method, amount=r.nilai_tagihan, window=window, threshold=threshold,
        n_history=int(r.n_riwayat), mean=nan_none(r.rata_rata), median=nan_none(r.median),
        dev_mean=nan_none(r.dev_rata_rata), dev_median=nan_none(r.dev_median), basis=basis,
        deviation_basis=nan_none(getattr(r, f"dev_{basis}")) if basis else None,
        basis_value=nan_none(getattr(r, basis)) if basis else None, mad=nan_none(r.mad),
        min_history=min_history, periode=periode,
    )


def _empty_result() -> pd.DataFrame:
    cols = [IDPEL, PERIODE, NILAI, "n_riwayat", *OUTPUT_STATS, *(f"dev_{s}" for s in STAT_NAMES), "z", "robust_z"]
    out = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    out["verdict"] = pd.Categorical([], categories=list(VERDICTS))
    out["basis"] = pd.Categorical([], categories=[*STAT_NAMES, "ganda", ""])
    return out


@dataclass(frozen=True)
class FairnessEvaluation:
    """How well "tidak wajar" finds labelled anomalies; bills that cannot be judged yet are left out."""

    method: str
    n_scored: int
    n_not_judged: int
    n_flagged: int
    n_anomalies: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    flag_rate: float

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate_against_labels(scored: pd.DataFrame, labels: pd.Series, method: str = "") -> FairnessEvaluation:
    """Precision/recall of verdict "tidak wajar" against ``labels`` (non-empty text = anomaly), aligned on index."""
    lab = labels.reindex(scored.index).fillna("").astype(str).to_numpy() != ""
    v = scored["verdict"].cat.codes.to_numpy()
    judged = v != VERDICTS.index("belum dapat dinilai")
    flag = (v == VERDICTS.index(TIDAK_WAJAR)) & judged
    truth = lab & judged
    tp = int((flag & truth).sum())
    n_flag, n_true = int(flag.sum()), int(truth.sum())
    precision = tp / n_flag if n_flag else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n_judged = int(judged.sum())
    return FairnessEvaluation(method=method, n_scored=n_judged, n_not_judged=int((~judged).sum()), n_flagged=n_flag,
                              n_anomalies=n_true, true_positives=tp, precision=precision, recall=recall, f1=f1,
                              flag_rate=n_flag / n_judged if n_judged else 0.0)


def evaluate_panel(bills: pd.DataFrame, **kwargs) -> dict[str, FairnessEvaluation]:
    """Score ``bills`` (with an ``anomali`` label column) by both methods and evaluate each."""
    if ANOMALI not in bills.columns:
        raise InvalidInputError("data tagihan tidak berlabel (kolom 'anomali'); evaluasi butuh data sintetis")
    return {m: evaluate_against_labels(score_bills_batch(bills, method=m, **kwargs), bills[ANOMALI], m)
            for m in ("paper", "robust")}
