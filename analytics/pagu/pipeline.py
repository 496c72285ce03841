"""Run the clustered forecasting pipeline on a panel of satker as of a month (re-runnable each month).

``PaguPipeline.fit(panel, as_of)`` clusters the satker series known at ``as_of``, chooses one model per
cluster, refits it per satker and forecasts every satker to December (or the next 12 months when
``as_of`` is December). Data after ``as_of`` is ignored, so the same call backtests any past month.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from analytics.ids import nama_bulan, parse_periode
from analytics.pagu.cluster import ClusterResult, cluster_series
from analytics.pagu.model import (
    MIN_MONTHS_ARIMA, ClusterModel, SatkerForecast, forecast_cluster, select_cluster_model, simple_forecast,
)
from analytics.errors import SatkerNotFoundError

CARRY_LAST_MONTHS = 3  # a satker whose latest bills have not arrived: carry its last bill forward


def months_to_forecast(as_of: pd.Period, horizon: int | None = None) -> list[pd.Period]:
    """The months after ``as_of`` up to December of its year; all of next year when ``as_of`` is December."""
    if horizon is None:
        horizon = 12 - as_of.month if as_of.month < 12 else 12
    return [as_of + h for h in range(1, horizon + 1)]


def prepare_panel(panel: pd.DataFrame, as_of: pd.Period) -> pd.DataFrame:
    """Columns up to ``as_of`` (monthly PeriodIndex), gaps inside a series filled from the previous month,
    the last ``CARRY_LAST_MONTHS`` missing months carried forward; satker with no bill at all dropped."""
    cols = pd.PeriodIndex(panel.columns, freq="M")
    panel = panel.set_axis(cols, axis=1)
    full = pd.period_range(cols.min(), as_of, freq="M")
    cut = panel.reindex(columns=full)
    cut = cut.ffill(axis=1, limit_area="inside").ffill(axis=1, limit=CARRY_LAST_MONTHS)
    return cut.loc[cut.notna().any(axis=1)].astype(float)


@dataclass
class PaguPipeline:
    """The fitted pipeline: clusters, one model per cluster, one forecast per satker."""

    as_of: pd.Period
    months: list[pd.Period]
    clusters: ClusterResult
    models: dict[int, ClusterModel]
    forecasts: dict[str, SatkerForecast]
    history: pd.DataFrame = field(repr=False)
    seconds: float = 0.0

    @classmethod
    def fit(
        cls,
        panel: pd.DataFrame,
        as_of: object | None = None,
        *,
        k: int | None = None,
        level: float = 0.8,
        horizon: int | None = None,
        order_selection: str = "pooled",
        diagnostics: bool = True,
        progress: bool = False,
    ) -> "PaguPipeline":
        """Fit on ``panel`` (rows kode satker, columns months, rupiah). ``k`` fixes the number of
        clusters (default: silhouette); ``level`` is the prediction-interval coverage (0.8 = 80 %)."""
        t0 = time.perf_counter()
        as_of_p = parse_periode(as_of) if as_of is not None else pd.PeriodIndex(panel.columns, freq="M").max()
        hist = prepare_panel(panel, as_of_p)
        months = months_to_forecast(as_of_p, horizon)
        fut_cal = np.array([m.month - 1 for m in months])
        cal = np.array([m.month - 1 for m in hist.columns])
        clusters = cluster_series(hist, k=k)
        models: dict[int, ClusterModel] = {}
        forecasts: dict[str, SatkerForecast] = {}
        for c in tqdm(sorted(clusters.labels.unique()), desc="klaster", disable=not progress):
            members = clusters.members(int(c))
            rep = clusters.medoids[int(c)]
            members = [rep] + [m for m in members if m != rep]
            ok = [m for m in members if hist.loc[m].notna().sum() >= MIN_MONTHS_ARIMA]
            if len(ok) < len(members):
                for m in set(members) - set(ok):
                    forecasts[m] = simple_forecast(m, hist.loc[m].to_numpy(), months, level=level, cluster=int(c),
                                                   reason=f"riwayat satker {m} terlalu pendek untuk ARIMA")
            if not ok:
                continue
            rows = hist.loc[ok].to_numpy()
            model, adjusted = select_cluster_model(int(c), ok, rows, cal, order_selection=order_selection)
            models[int(c)] = model
            for fc in forecast_cluster(model, adjusted, fut_cal, months, level=level, diagnostics=diagnostics):
                if _usable(fc, hist.loc[fc.kode_satker].to_numpy()):
                    forecasts[fc.kode_satker] = fc
                else:
                    forecasts[fc.kode_satker] = simple_forecast(
                        fc.kode_satker, hist.loc[fc.kode_satker].to_numpy(), months, level=level, cluster=int(c),
                        reason=f"model {model.name} tidak menghasilkan ramalan yang layak untuk satker {fc.kode_satker}")
        for m in clusters.unclustered:
            forecasts[m] = simple_forecast(m, hist.loc[m].to_numpy(), months, level=level,
                                           reason=f"riwayat satker {m} terlalu pendek untuk klaster dan ARIMA")
        return cls(as_of=as_of_p, months=months, clusters=clusters, models=models, forecasts=forecasts, history=hist,
                   seconds=time.perf_counter() - t0)

    def forecast_for(self, kode_satker: str) -> SatkerForecast:
        if kode_satker not in self.forecasts:
            raise SatkerNotFoundError(kode_satker, "data tagihan sampai " + nama_bulan(self.as_of))
        return self.forecasts[kode_satker]

    def point_forecasts(self) -> pd.DataFrame:
        """Mean forecasts, rows kode satker, columns the forecast months (rupiah)."""
        return pd.DataFrame({k: v.mean for k, v in self.forecasts.items()}, index=pd.PeriodIndex(self.months)).T

    def cluster_table(self) -> pd.DataFrame:
        """The paper's Tables 2-5 in one frame: size, mean bill, checks and chosen model per cluster."""
        rows = []
        for c, m in sorted(self.models.items()):
            rows.append({"cluster": c, "anggota": len(m.members), "rata_rata_tagihan": float(self.history.loc[m.members].stack().mean()),
                         "perwakilan": m.representative, "adf_p": m.adf_pvalue, "boxcox_lambda": m.boxcox_lambda,
                         "transformasi": m.transform, "musiman": m.seasonal is not None, "model": m.name,
                         "aic_terbaik": m.candidates[0][1], "ljung_box_p": m.ljung_box_p, "ks_p": m.ks_p})
        return pd.DataFrame(rows)


def _usable(fc: SatkerForecast, history: np.ndarray) -> bool:
    """A forecast is used when finite, not negative, and not wildly off the satker's own scale."""
    h = history[np.isfinite(history)]
    recent = float(np.mean(h[-12:])) if len(h) else 0.0
    if not (np.all(np.isfinite(fc.mean)) and np.isfinite(fc.total_upper)):
        return False
    if np.any(fc.mean <= 0):
        return False
    return recent <= 0 or float(np.max(fc.mean)) <= 5 * max(recent, float(np.max(h)))
