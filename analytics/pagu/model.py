"""The paper's clustered ARIMA pipeline for monthly electricity spending (seed 002, domain §2, step 5).

Per cluster (once): Box-Cox check of the variance (log when lambda < 0.5), a seasonal profile pooled
over the members (kept only when a one-way ANOVA over calendar months says it is real), ADF tests for
the order of differencing (majority over members), ARIMA(p, d, q) orders p, q <= 2 compared by AIC
(summed over the members nearest the medoid, or on the medoid alone as the paper did), the medoid's
maximum-likelihood fit with Ljung-Box and Kolmogorov-Smirnov residual checks.
Per satker: that order refitted by exact maximum likelihood (all members in one batched pass, warm
started from the cluster fit), forecasts with prediction intervals, and the interval of their sum.
A series too short or a fit that fails falls back to a simpler model, and says so.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tsa.stattools import adfuller

from analytics.pagu.arima import fit_arma_batch, forecast_arma, psi_weights

ORDERS_PQ = [(p, q) for p in range(3) for q in range(3)]
SELECTION_MEMBERS = 8        # members nearest the medoid whose AIC is summed ("pooled" selection)
SEASONAL_P = 0.01            # ANOVA p-value below which the pooled seasonal profile is used
MIN_MONTHS_ARIMA = 15        # shorter: a simple model
_MC_PATHS = 2000


@dataclass
class ClusterModel:
    """What the pipeline decided for one cluster (the paper's Tables 3-5 for that cluster)."""

    cluster: int
    members: list[str]
    representative: str
    boxcox_lambda: float
    transform: str                       # "none" or "log"
    seasonal: np.ndarray | None          # 12 log factors by calendar month (Jan..Dec), or None
    seasonal_pvalue: float
    adf_pvalue: float                    # the representative's ADF p-value on its level series
    d: int
    order: tuple[int, int, int]
    has_mu: bool                         # constant (d=0) or drift (d=1)
    candidates: list[tuple[str, float]]  # (model, AIC of the representative), best first
    ljung_box_p: float
    ks_p: float
    start: tuple = field(default=(), repr=False)  # representative's (phi, theta, mu standardised)

    @property
    def name(self) -> str:
        p, d, q = self.order
        drift = " + drift" if self.has_mu and d == 1 else ""
        return f"ARIMA({p},{d},{q}){drift}"


@dataclass
class SatkerForecast:
    """Monthly forecasts (rupiah) of one satker for ``months``, with ``level`` prediction intervals,
    and the same for their sum (``total_*``). ``fallback_note`` is set when a simpler model was used."""

    kode_satker: str
    cluster: int | None
    model: str
    months: list[pd.Period]
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    total_mean: float
    total_lower: float
    total_upper: float
    total_sd: float
    level: float
    ljung_box_p: float | None = None
    ks_p: float | None = None
    fallback_note: str | None = None
    total_samples: np.ndarray | None = field(default=None, repr=False)
    cum_lower: np.ndarray | None = None  # interval of the running total after each forecast month
    cum_upper: np.ndarray | None = None


def boxcox_lambda(x: np.ndarray) -> float:
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 8 or np.ptp(x) == 0:
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.boxcox_normmax(x, method="mle"))


def pooled_seasonal(log_rows: np.ndarray, cal_month: np.ndarray) -> tuple[np.ndarray, float]:
    """Seasonal log factors pooled over rows (detrended by a centred 2x12 moving average) and the
    ANOVA p-value of calendar month on the detrended values."""
    frame = pd.DataFrame(log_rows.T)
    trend = frame.rolling(12, center=True, min_periods=12).mean().rolling(2, min_periods=2).mean().shift(-1)
    resid = (frame - trend).to_numpy().T
    groups = [resid[:, cal_month == m].ravel() for m in range(12)]
    groups = [g[np.isfinite(g)] for g in groups]
    if min(len(g) for g in groups) < 3:
        return np.zeros(12), 1.0
    factors = np.array([g.mean() for g in groups])
    p = float(stats.f_oneway(*groups).pvalue)
    return factors - factors.mean(), p


def adf_pvalue(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if len(x) < 10 or np.ptp(x) == 0:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(adfuller(x, maxlag=1, autolag=None, regression="c")[1])


def choose_d(rows: np.ndarray) -> tuple[int, float]:
    """Differences needed for mean-stationarity by ADF (5 %), majority over rows; and the first row's p."""
    votes = []
    for x in rows:
        d, y = 0, x[np.isfinite(x)]
        while d < 2 and adf_pvalue(y) >= 0.05:
            y, d = np.diff(y), d + 1
        votes.append(d)
    return int(np.bincount(votes).argmax()), adf_pvalue(rows[0])


def _difference(x: np.ndarray, d: int) -> np.ndarray:
    for _ in range(d):
        x = x[:, 1:] - x[:, :-1]
    return x


def _integrate(x: np.ndarray, w_fc: np.ndarray, d: int) -> np.ndarray:
    """Forecasts of the levels from forecasts of the d-th difference, given the history x (S, n)."""
    if d == 0:
        return w_fc
    if d == 1:
        return x[:, -1:] + np.cumsum(w_fc, axis=1)
    dx_last = x[:, -1:] - x[:, -2:-1]
    return x[:, -1:] + np.cumsum(dx_last + np.cumsum(w_fc, axis=1), axis=1)


def residual_checks(innov: np.ndarray, n_params: int) -> tuple[np.ndarray, np.ndarray]:
    """Ljung-Box (lag min(10, n/5), df reduced by the ARMA parameters) and Kolmogorov-Smirnov
    (normality of the standardised innovations) p-values per row; NaN marks skipped months."""
    e = np.asarray(innov, dtype=float)
    valid = np.isfinite(e)
    n = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(valid, e - np.nanmean(e, axis=1, keepdims=True), 0.0)
        denom = (c * c).sum(axis=1)
        max_lag = 10
        acf = np.stack([(c[:, k:] * c[:, :-k]).sum(axis=1) / denom for k in range(1, max_lag + 1)], axis=1)
        terms = acf**2 / np.maximum(n[:, None] - np.arange(1, max_lag + 1)[None, :], 1)
        lags = np.clip(n // 5, 1, max_lag)
        q_stat = n * (n + 2) * np.take_along_axis(np.cumsum(terms, axis=1), (lags - 1)[:, None], axis=1)[:, 0]
        df = np.maximum(lags - min(n_params, max_lag - 1), 1)
        lb = stats.chi2.sf(q_stat, df)
        # KS against N(0, 1) after standardising each row
        zrow = np.where(valid, c / np.sqrt(denom / np.maximum(n - 1, 1))[:, None], np.nan)
        srt = np.sort(zrow, axis=1)
        cdf = stats.norm.cdf(srt)
        j = np.arange(e.shape[1])[None, :]
        d_plus = np.where(j < n[:, None], (j + 1) / n[:, None] - cdf, -np.inf).max(axis=1)
        d_minus = np.where(j < n[:, None], cdf - j / n[:, None], -np.inf).max(axis=1)
        ks = stats.kstwo.sf(np.maximum(d_plus, d_minus), np.maximum(n, 1))
    too_short = n < 10
    lb[too_short] = np.nan
    ks[too_short] = np.nan
    return lb, ks


def select_cluster_model(
    cluster: int, members: list[str], rows: np.ndarray, cal_month: np.ndarray, *, order_selection: str = "pooled",
) -> tuple[ClusterModel, np.ndarray]:
    """Decide transform, seasonality, d and (p, q) for a cluster. ``rows`` (S, n) are the members' level
    series (rupiah, NaN before a satker's first bill), the representative first. Returns the model and
    the members' adjusted series (transformed, seasonally adjusted) ready for ARIMA."""
    rep = rows[0]
    lam = boxcox_lambda(rep)
    transform = "log" if lam < 0.5 else "none"
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(rows > 0, rows, np.nan))
    factors, season_p = pooled_seasonal(logs, cal_month) if rows.shape[1] >= 24 else (np.zeros(12), 1.0)
    seasonal = factors if season_p < SEASONAL_P else None
    s_row = seasonal[cal_month][None, :] if seasonal is not None else 0.0
    adjusted = logs - s_row if transform == "log" else rows / np.exp(s_row)
    d, adf_p = choose_d(adjusted[: min(len(adjusted), 30)])
    w = _difference(adjusted, d)
    m = min(len(w), SELECTION_MEMBERS if order_selection == "pooled" else 1)
    specs = [(p, q, mu) for p, q in ORDERS_PQ for mu in ((True, False) if d == 1 else (d == 0,))]
    # Every candidate order on the selection members, fitted in one batched optimisation.
    fit = fit_arma_batch(np.tile(w[:m], (len(specs), 1)), np.repeat([sp[0] for sp in specs], m),
                         np.repeat([sp[1] for sp in specs], m), has_mu=np.repeat([sp[2] for sp in specs], m))
    aic = fit.aic.reshape(len(specs), m)
    best = int(np.argmin(aic.sum(axis=1)))
    p, q, has_mu = specs[best]
    order = (p, d, q)
    rep_row = best * m
    lb, ks = residual_checks(fit.innovations[rep_row : rep_row + 1], p + q)
    table = sorted(((f"ARIMA({sp[0]},{d},{sp[1]}){' + drift' if sp[2] and d == 1 else ''}", float(aic[i, 0]))
                    for i, sp in enumerate(specs)), key=lambda t: t[1])
    scale = np.nanstd(w[0]) if has_mu else np.sqrt(np.nanmean(w[0] ** 2))
    mu_z = float((fit.mu[rep_row] - np.nanmean(w[0])) / scale) if has_mu and scale > 0 else 0.0
    start = (fit.phi[rep_row, :p].copy(), fit.theta[rep_row, :q].copy(), mu_z)
    model = ClusterModel(cluster=cluster, members=members, representative=members[0], boxcox_lambda=lam,
                         transform=transform, seasonal=seasonal, seasonal_pvalue=season_p, adf_pvalue=adf_p, d=d,
                         order=order, has_mu=has_mu, candidates=table, ljung_box_p=float(lb[0]), ks_p=float(ks[0]),
                         start=start)
    return model, adjusted


def forecast_cluster(
    model: ClusterModel, adjusted: np.ndarray, future_cal_month: np.ndarray, months: list[pd.Period],
    *, level: float = 0.8, seed: int = 0, diagnostics: bool = True,
) -> list[SatkerForecast]:
    """Fit the cluster's order to every member (one batched MLE) and forecast ``len(months)`` months."""
    p, d, q = model.order
    H = len(months)
    w = _difference(adjusted, d)
    # Warm start from the representative's parameters (the cluster-level fit).
    fit = fit_arma_batch(w, p, q, has_mu=model.has_mu, start=model.start or None)
    x_fc = _integrate(adjusted, forecast_arma(fit, H), d)
    psi = psi_weights(fit.phi, fit.theta, d, H)
    var_h = fit.sigma2[:, None] * np.cumsum(psi**2, axis=1)
    season = np.exp(model.seasonal[future_cal_month])[None, :] if model.seasonal is not None else np.ones((1, H))
    zq = stats.norm.ppf(0.5 + level / 2)
    lb, ks = residual_checks(fit.innovations, p + q) if diagnostics else (np.full(len(w), np.nan),) * 2
    out: list[SatkerForecast] = []
    # Psi matrix: error of month h = sum_k Psi[h, k] * eps_k.
    idx = np.arange(H)
    lag = idx[:, None] - idx[None, :]
    rng = np.random.default_rng(seed)
    for i, code in enumerate(model.members):
        Psi = np.where(lag >= 0, psi[i][np.clip(lag, 0, H - 1)], 0.0)
        sigma = np.sqrt(fit.sigma2[i])
        if model.transform == "none":
            mean = x_fc[i] * season[0]
            sd = np.sqrt(var_h[i]) * season[0]
            lower, upper = mean - zq * sd, mean + zq * sd
            weighted = season[0][:, None] * Psi               # error of month h in rupiah per unit shock
            cum_sd = sigma * np.linalg.norm(np.cumsum(weighted, axis=0), axis=1)
            cum_lo, cum_hi = np.cumsum(mean) - zq * cum_sd, np.cumsum(mean) + zq * cum_sd
            tot_sd = float(cum_sd[-1])
            tot, samples = float(mean.sum()), None
            t_lo, t_hi = tot - zq * tot_sd, tot + zq * tot_sd
        else:
            logm = x_fc[i] + np.log(season[0])
            sd = np.sqrt(var_h[i])
            mean, lower, upper = np.exp(logm), np.exp(logm - zq * sd), np.exp(logm + zq * sd)
            paths = np.exp(logm[None, :] + sigma * rng.standard_normal((_MC_PATHS, H)) @ Psi.T)
            cum_paths = np.cumsum(paths, axis=1)
            cum_lo, cum_hi = np.quantile(cum_paths, [0.5 - level / 2, 0.5 + level / 2], axis=0)
            samples = cum_paths[:, -1]
            tot, tot_sd = float(mean.sum()), float(samples.std())
            t_lo, t_hi = (float(v) for v in np.quantile(samples, [0.5 - level / 2, 0.5 + level / 2]))
        out.append(SatkerForecast(
            kode_satker=code, cluster=model.cluster, model=model.name, months=months, mean=mean,
            lower=np.maximum(lower, 0.0), upper=upper, total_mean=tot, total_lower=max(t_lo, 0.0), total_upper=t_hi,
            total_sd=tot_sd, level=level, ljung_box_p=_f(lb[i]), ks_p=_f(ks[i]), total_samples=samples,
            cum_lower=np.maximum(cum_lo, 0.0), cum_upper=cum_hi,
        ))
    return out


def _f(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def simple_forecast(
    code: str, y: np.ndarray, months: list[pd.Period], *, level: float = 0.8, reason: str, cluster: int | None = None,
) -> SatkerForecast:
    """Fallback: seasonal naive with 13+ months, else the mean of the last 3 months; the interval from
    the spread of its own past errors. ``reason`` says why ARIMA was not used (Indonesian)."""
    y = y[np.isfinite(y)]
    H = len(months)
    zq = stats.norm.ppf(0.5 + level / 2)
    if len(y) >= 13:
        name = "naif musiman (tagihan bulan yang sama tahun lalu)"
        mean = np.array([y[len(y) - 12 + (h % 12)] for h in range(H)], dtype=float)
        errs = y[12:] - y[:-12]
    else:
        name = "rata-rata 3 bulan terakhir"
        mean = np.full(H, float(np.mean(y[-3:])) if len(y) else 0.0)
        errs = np.diff(y) if len(y) > 1 else np.array([0.0])
    sd1 = float(np.std(errs)) if len(errs) > 1 else float(0.1 * (mean[0] if H else 0.0))
    sd = sd1 * np.sqrt(np.arange(1, H + 1))
    tot = float(mean.sum())
    tot_sd = sd1 * float(np.sqrt(sum((H - k) ** 2 for k in range(H)))) if H else 0.0
    cum_sd = sd1 * np.sqrt(np.cumsum(np.arange(1, H + 1) ** 2)) if H else np.zeros(0)
    note = f"{reason}; dipakai model sederhana: {name}."
    return SatkerForecast(
        kode_satker=code, cluster=cluster, model=name, months=months, mean=mean, lower=np.maximum(mean - zq * sd, 0.0),
        upper=mean + zq * sd, total_mean=tot, total_lower=max(tot - zq * tot_sd, 0.0), total_upper=tot + zq * tot_sd,
        total_sd=tot_sd, level=level, fallback_note=note,
        cum_lower=np.maximum(np.cumsum(mean) - zq * cum_sd, 0.0), cum_upper=np.cumsum(mean) + zq * cum_sd,
    )
