"""The bill-fairness rules (kewajaran tagihan, seed 002), written once and vectorised.

Both the one-bill check (:mod:`analytics.bills.fairness`) and the batch scorer (:mod:`analytics.bills.batch`)
call :func:`score_windows` on a matrix of history windows, so the two can never disagree.

Paper method ("paper"): descriptive statistics of the history window (mean, median, mode, min, max,
standard deviation); the new bill's percentage deviation from each; the bill is "tidak wajar" when its
deviation from a central measure (mean or median; the mode too when a value repeats) exceeds the
threshold (20 % by the paper's subject-matter experts). Min, max and the z-score are shown, not voted.

Robust method ("robust"): the expectation is the median of the same window; the spread is the MAD of
the log bills over a longer window (``SPREAD_WINDOW`` months, scaled to a standard deviation, at least
``ROBUST_MIN_SPREAD``); the bill is "tidak wajar" when it is both materially off (deviation from the
median over the threshold) and unusual for this customer (log distance from the median more than
``ROBUST_Z`` spreads). One wrong bill in the window (a meter error, a spike) moves the mean a lot and the
median hardly at all, so it does not make the next bills look odd; a customer whose bills always swing
is not flagged for its usual swing. Constants were tuned on synthetic seed 7 only; the benchmark
reports on another seed.
"""
from __future__ import annotations

from typing import Literal

import numpy as np

WAJAR = "wajar"
TIDAK_WAJAR = "tidak wajar"
BELUM_DAPAT_DINILAI = "belum dapat dinilai"
VERDICTS = (WAJAR, TIDAK_WAJAR, BELUM_DAPAT_DINILAI)  # codes 0, 1, 2 in the arrays below

DEFAULT_WINDOW = 6          # months of history (the paper: Aug 2021 - Jan 2022 for the Feb 2022 bill)
DEFAULT_THRESHOLD = 0.20    # the paper's subject-matter-expert threshold
MIN_HISTORY = 3             # fewer observed months in the window: cannot judge yet
SPREAD_WINDOW = 24          # months of history behind the robust spread (the level uses ``window``)
ROBUST_Z = 3.0              # robust spreads a bill must be away from the median to be unusual
ROBUST_MIN_SPREAD = 0.08    # spread floor on the log scale (about 8 %): flat histories have MAD 0
MAD_TO_SD = 1.4826          # MAD of a normal sample times this is its standard deviation

Method = Literal["paper", "robust"]
METHODS: tuple[str, ...] = ("paper", "robust")
STAT_NAMES = ("rata_rata", "median", "modus", "minimum", "maksimum")
STAT_LABELS = {"rata_rata": "rata-rata", "median": "median", "modus": "modus", "minimum": "nilai terendah",
               "maksimum": "nilai tertinggi"}


def _take(sorted_w: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.take_along_axis(sorted_w, np.clip(idx, 0, sorted_w.shape[1] - 1)[:, None], axis=1)[:, 0]


def _median_sorted(sorted_w: np.ndarray, k: np.ndarray) -> np.ndarray:
    lo, hi = _take(sorted_w, (k - 1) // 2), _take(sorted_w, k // 2)
    return np.where(k > 0, (lo + hi) / 2.0, np.nan)


def window_statistics(windows: np.ndarray) -> dict[str, np.ndarray]:
    """Descriptive statistics of each row of ``windows`` (rupiah; NaN = no bill that month).

    Returns arrays: n (observed months), rata_rata, median, modus (NaN when no value repeats),
    minimum, maksimum, simpangan_baku (sample sd, ddof=1; NaN for n<2) and mad (median absolute deviation).
    """
    w = np.asarray(windows, dtype=np.float64)
    valid = ~np.isnan(w)
    k = valid.sum(axis=1)
    s = np.sort(w, axis=1)  # NaN sort to the end
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(k > 0, np.nansum(w, axis=1) / np.maximum(k, 1), np.nan)
        sq = np.where(valid, (w - mean[:, None]) ** 2, 0.0).sum(axis=1)
        std = np.where(k > 1, np.sqrt(sq / np.maximum(k - 1, 1)), np.nan)
    median = _median_sorted(s, k)
    absdev = np.sort(np.abs(w - median[:, None]), axis=1)
    mad = _median_sorted(absdev, k)
    # Mode: the most frequent value; ties -> the smallest; undefined when every value differs.
    eq = (s[:, :, None] == s[:, None, :]).sum(axis=2)  # NaN != NaN, so gaps count 0
    best = np.argmax(eq, axis=1)
    mode = np.where(eq.max(axis=1) >= 2, _take(s, best), np.nan)
    return {"n": k, "rata_rata": mean, "median": median, "modus": mode, "minimum": np.where(k > 0, s[:, 0], np.nan),
            "maksimum": _take(s, k - 1) * np.where(k > 0, 1.0, np.nan), "simpangan_baku": std, "mad": mad}


def log_spread(windows: np.ndarray) -> np.ndarray:
    """Robust standard deviation of log bills per row: MAD of log values times 1.4826 (NaN-aware)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        lw = np.log(np.asarray(windows, dtype=np.float64))
    k = (~np.isnan(lw)).sum(axis=1)
    med = _median_sorted(np.sort(lw, axis=1), k)
    return MAD_TO_SD * _median_sorted(np.sort(np.abs(lw - med[:, None]), axis=1), k)


def score_windows(
    amounts: np.ndarray,
    windows: np.ndarray,
    *,
    spread_windows: np.ndarray | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    method: Method = "paper",
    min_history: int = MIN_HISTORY,
) -> dict[str, np.ndarray]:
    """Judge ``amounts[i]`` (rupiah) against the history ``windows[i]``.

    ``spread_windows`` (robust method; default ``windows``) are the longer histories behind the spread.
    Returns the statistics of :func:`window_statistics`, ``spread`` (log scale), ``dev_<stat>`` (fraction, (bill - stat) / stat),
    ``z`` (standard deviations from the mean), ``robust_z``, ``verdict`` (int8 codes into VERDICTS) and
    ``basis`` (index into STAT_NAMES of the statistic that decided, -1 when none).
    """
    if method not in METHODS:
        raise ValueError(f"metode tidak dikenal: {method!r} (pilih 'paper' atau 'robust')")
    if not 0 < threshold < 10:
        raise ValueError(f"ambang batas harus pecahan positif, mis. 0.2 untuk 20%: {threshold!r}")
    x = np.asarray(amounts, dtype=np.float64)
    st = window_statistics(windows)
    out: dict[str, np.ndarray] = dict(st)
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in STAT_NAMES:
            out[f"dev_{name}"] = (x - st[name]) / st[name]
        out["z"] = (x - st["rata_rata"]) / st["simpangan_baku"]
        spread = np.maximum(log_spread(windows if spread_windows is None else spread_windows), ROBUST_MIN_SPREAD)
        out["spread"] = spread
        out["robust_z"] = np.log(x / st["median"]) / spread
    enough = st["n"] >= min_history
    if method == "paper":
        central = np.stack([np.abs(out["dev_rata_rata"]), np.abs(out["dev_median"]),
                            np.nan_to_num(np.abs(out["dev_modus"]), nan=0.0)], axis=1)
        exceed = central > threshold
        flag = exceed.any(axis=1)
        basis = np.where(flag, np.argmax(exceed, axis=1), -1)  # the first of mean, median, mode that exceeds
    else:
        flag = (np.abs(out["dev_median"]) > threshold) & (np.abs(out["robust_z"]) > ROBUST_Z)
        basis = np.where(flag, 1, -1)
    verdict = np.where(~enough, 2, np.where(flag, 1, 0)).astype(np.int8)
    out["verdict"] = verdict
    out["basis"] = np.where(enough, basis, -1).astype(np.int8)
    return out
