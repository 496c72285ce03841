"""Forecast accuracy measures for the rolling-origin backtest (benchmarks and tests).

MASE is scaled by the in-sample mean absolute error of the seasonal naive forecast (lag 12, as in the
M4 competition), so 1.0 means "as good as last year's same month" in-sample; sMAPE is in percent.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def mase(actual: np.ndarray, forecast: np.ndarray, insample: np.ndarray, m: int = 12) -> float:
    """Mean absolute scaled error of one forecast path (NaN when the scale cannot be computed)."""
    y = np.asarray(insample, dtype=float)
    y = y[np.isfinite(y)]
    if len(y) <= m:
        return float("nan")
    scale = np.mean(np.abs(y[m:] - y[:-m]))
    if not np.isfinite(scale) or scale == 0:
        return float("nan")
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(forecast, float))) / scale)


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric mean absolute percentage error, 0-200 %."""
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    denom = np.abs(a) + np.abs(f)
    return float(np.mean(np.where(denom > 0, 200.0 * np.abs(a - f) / denom, 0.0)))


def seasonal_naive(insample: np.ndarray, horizon: int, m: int = 12) -> np.ndarray:
    """y[T+h] = y[T+h-12] (repeating the last observed year)."""
    y = np.asarray(insample, dtype=float)
    return np.array([y[len(y) - m + (h % m)] for h in range(horizon)])


def score_forecasts(panel: pd.DataFrame, origin: pd.Period, forecasts: dict[str, np.ndarray]) -> pd.DataFrame:
    """MASE and sMAPE per satker of forecasts made at ``origin`` against ``panel``'s later months."""
    cols = pd.PeriodIndex(panel.columns, freq="M")
    rows = []
    for code, f in forecasts.items():
        months = [origin + h for h in range(1, len(f) + 1)]
        actual = panel.loc[code].reindex(months).to_numpy(dtype=float)
        insample = panel.loc[code, cols <= origin].to_numpy(dtype=float)
        if np.any(~np.isfinite(actual)) or np.any(~np.isfinite(f)):
            continue
        rows.append({"kode_satker": code, "origin": origin, "mase": mase(actual, f, insample), "smape": smape(actual, f)})
    return pd.DataFrame(rows)
