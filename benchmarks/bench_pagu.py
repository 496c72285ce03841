"""Pagu forecast benchmark: the clustered pipeline against the usual tools, side by side.

Same synthetic panel (180 satker, Jan 2019 - Dec 2023, seed 2023: not a seed anything was tuned on),
rolling origins, each forecasting to December (or all of next year from a December origin).
Compared: the project's clustered pipeline; seasonal naive; per-series statsmodels AIC search;
statsforecast AutoARIMA; pmdarima auto_arima. The slow per-series baselines run on a fixed subset of
satker (every n-th) and all methods are also scored on that subset, so the columns stay comparable.

Run: ``python -m benchmarks.bench_pagu`` (needs requirements/bench.in for statsforecast/pmdarima; without
them those columns are skipped and say so). Last line:
``pagu mase=<..> snaive_mase=<..> autoarima_mase=<..> speedup_vs_autoarima=<x>``
"""
from __future__ import annotations

import argparse
import importlib.util
import time
import warnings

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from analytics.bills.repository import BillRepository
from benchmarks.pagu_metrics import score_forecasts, seasonal_naive
from analytics.pagu.model import choose_d
from analytics.pagu.pipeline import PaguPipeline, months_to_forecast, prepare_panel
from analytics.bills.synthetic import generate_panel

DEFAULT_ORIGINS = ("2022-06", "2022-12", "2023-03", "2023-06")
INSTALL_HINT = ("pip install -r requirements/bench.in  (ke venv benchmark .venv/bench, bukan .venv/app; "
                "lihat requirements/bench.in)")


def _series_at(hist: pd.DataFrame, code: str) -> np.ndarray:
    y = hist.loc[code].to_numpy(dtype=float)
    return y[np.isfinite(y)]


def run_pipeline(panel, origin, codes):
    t = time.perf_counter()
    pipe = PaguPipeline.fit(panel, origin, diagnostics=False)
    secs = time.perf_counter() - t
    return {c: pipe.forecasts[c].mean for c in codes if c in pipe.forecasts}, secs, pipe


def run_snaive(hist, codes, H):
    t = time.perf_counter()
    out = {c: seasonal_naive(_series_at(hist, c), H) for c in codes}
    return out, time.perf_counter() - t


def run_statsmodels_search(hist, codes, H):
    from statsmodels.tsa.arima.model import ARIMA

    t = time.perf_counter()
    out = {}
    for c in tqdm(codes, desc="statsmodels AIC", leave=False):
        y = _series_at(hist, c)
        d, _ = choose_d(y[None, :])
        best = None
        for p in range(3):
            for q in range(3):
                trend = "c" if d == 0 else ("t" if d == 1 else "n")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        res = ARIMA(y, order=(p, d, q), trend=trend).fit()
                    except Exception:  # a failed candidate is simply not chosen
                        continue
                if best is None or res.aic < best.aic:
                    best = res
        out[c] = best.forecast(H) if best is not None else seasonal_naive(y, H)
    return out, time.perf_counter() - t


def run_statsforecast(hist, codes, H):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    frames = []
    for c in codes:
        y = hist.loc[c]
        y = y[y.notna()]
        frames.append(pd.DataFrame({"unique_id": c, "ds": y.index.to_timestamp(), "y": y.to_numpy(dtype=float)}))
    df = pd.concat(frames, ignore_index=True)
    sf = StatsForecast(models=[AutoARIMA(season_length=12)], freq="MS", n_jobs=1)
    t = time.perf_counter()
    fc = sf.forecast(df=df, h=H)
    secs = time.perf_counter() - t
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    return {c: g["AutoARIMA"].to_numpy() for c, g in fc.groupby("unique_id")}, secs


def run_pmdarima(hist, codes, H):
    import pmdarima as pm

    t = time.perf_counter()
    out = {}
    for c in tqdm(codes, desc="pmdarima", leave=False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = pm.auto_arima(_series_at(hist, c), seasonal=True, m=12, stepwise=True, suppress_warnings=True,
                              error_action="ignore", max_p=2, max_q=2, max_P=1, max_Q=1)
        out[c] = np.asarray(m.predict(H))
    return out, time.perf_counter() - t


def _warm_statsforecast() -> None:
    """Compile statsforecast's numba code before timing it (its first call includes JIT compilation)."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    y = 100 + np.sin(np.arange(40) / 2)
    df = pd.DataFrame({"unique_id": "w", "ds": pd.date_range("2019-01-01", periods=40, freq="MS"), "y": y})
    StatsForecast(models=[AutoARIMA(season_length=12)], freq="MS", n_jobs=1).forecast(df=df, h=3)


def _save(allscores: pd.DataFrame, full: pd.DataFrame, times: dict) -> None:
    """Scores (CSV) and a chart (PNG) under artifacts/ for a person to look at."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path("artifacts")
    out.mkdir(exist_ok=True)
    allscores.to_csv(out / "bench_pagu_scores.csv", index=False)
    names = [n for n in ("pipeline", "snaive", "sm_search", "autoarima", "pmdarima") if n in full.index]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    a1.bar(names, [full.loc[n, "mase"] for n in names], color="#1f4e79")
    a1.set_title("MASE (lebih kecil lebih baik)")
    a2.bar(names, [times.get(n, np.nan) for n in names], color="#c0504d")
    a2.set_yscale("log")
    a2.set_title("waktu seluruh panel, detik (log)")
    for ax in (a1, a2):
        ax.tick_params(axis="x", rotation=30)
    fig.savefig(out / "bench_pagu.png", dpi=100)
    plt.close(fig)
    print(f"disimpan: {out / 'bench_pagu_scores.csv'}, {out / 'bench_pagu.png'}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--origins", nargs="+", default=list(DEFAULT_ORIGINS))
    ap.add_argument("--subset-every", type=int, default=6, help="slow baselines on every n-th satker")
    ap.add_argument("--pmdarima-max", type=int, default=10, help="series per origin for pmdarima (it is slow)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["statsmodels", "statsforecast", "pmdarima"])
    args = ap.parse_args(argv)

    have_sf = importlib.util.find_spec("statsforecast") is not None and "statsforecast" not in args.skip
    have_pm = importlib.util.find_spec("pmdarima") is not None and "pmdarima" not in args.skip
    for name, ok in (("statsforecast", have_sf), ("pmdarima", have_pm)):
        if not ok and name not in args.skip:
            print(f"[lewati] {name} tidak terpasang: {INSTALL_HINT}")
    syn = generate_panel(seed=args.seed)
    panel = BillRepository(syn.bills).satker_panel()
    if have_sf:
        _warm_statsforecast()

    scores, times = [], {}
    for origin_text in tqdm(args.origins, desc="origin"):
        origin = pd.Period(origin_text, "M")
        H = len(months_to_forecast(origin))
        hist = prepare_panel(panel, origin)
        future = panel.reindex(columns=[origin + h for h in range(1, H + 1)])
        codes = [c for c in hist.index if hist.loc[c].notna().sum() >= 24 and future.loc[c].notna().all()]
        subset = codes[:: args.subset_every]
        methods = {}
        methods["pipeline"], t_pipe, pipe = run_pipeline(panel, origin, codes)
        methods["snaive"], t_sn = run_snaive(hist, codes, H)
        times.setdefault("pipeline", 0.0)
        times["pipeline"] += t_pipe
        times.setdefault("snaive", 0.0)
        times["snaive"] += t_sn
        if have_sf:
            methods["autoarima"], t_sf = run_statsforecast(hist, codes, H)
            times["autoarima"] = times.get("autoarima", 0.0) + t_sf
        if "statsmodels" not in args.skip:
            methods["sm_search"], t_sm = run_statsmodels_search(hist, subset, H)
            times["sm_search"] = times.get("sm_search", 0.0) + t_sm * len(codes) / max(len(subset), 1)
        if have_pm:
            pm_codes = subset[: args.pmdarima_max]
            methods["pmdarima"], t_pm = run_pmdarima(hist, pm_codes, H)
            times["pmdarima"] = times.get("pmdarima", 0.0) + t_pm * len(codes) / max(len(pm_codes), 1)
        for name, fc in methods.items():
            s = score_forecasts(panel, origin, fc)
            s["method"] = name
            scores.append(s)
        print(f"  origin {origin}: h={H}, {len(codes)} satker, klaster {pipe.clusters.sizes()}, "
              f"model {[m.name for m in pipe.models.values()]}")
    allscores = pd.concat(scores, ignore_index=True)
    full = allscores.groupby("method")[["mase", "smape"]].mean()

    def on_subset(name: str) -> pd.Series | None:
        """Mean MASE of every method on the (satker, origin) pairs that ``name`` was run on."""
        pairs = allscores.loc[allscores.method == name, ["kode_satker", "origin"]]
        if pairs.empty:
            return None
        sel = allscores.merge(pairs, on=["kode_satker", "origin"])
        return sel.groupby("method")["mase"].mean()

    sub_sm, sub_pm = on_subset("sm_search"), on_subset("pmdarima")
    print("\nmetode        MASE(panel)  sMAPE(panel)  MASE(subset sm)  MASE(subset pmd)  waktu panel (s)")
    for name in ("pipeline", "snaive", "sm_search", "autoarima", "pmdarima"):
        if name not in full.index:
            continue
        fm = full.loc[name]
        a = sub_sm.get(name, np.nan) if sub_sm is not None else np.nan
        b = sub_pm.get(name, np.nan) if sub_pm is not None else np.nan
        est = " (perkiraan dari subset)" if name in ("sm_search", "pmdarima") else ""
        print(f"{name:12s}  {fm['mase']:11.3f}  {fm['smape']:12.2f}  {a:15.3f}  {b:16.3f}  {times.get(name, np.nan):10.2f}{est}")
    print("catatan: sm_search dan pmdarima hanya dijalankan pada subset satker; MASE(panel) mereka = rata-rata subset itu. "
          "Bandingkan mereka pada kolom subset; waktu panel mereka diperkirakan dari waktu per seri.")
    _save(allscores, full, times)
    mase_p = full.loc["pipeline", "mase"]
    mase_sn = full.loc["snaive", "mase"]
    mase_aa = full.loc["autoarima", "mase"] if "autoarima" in full.index else float("nan")
    speedup = times["autoarima"] / times["pipeline"] if "autoarima" in times else float("nan")
    print(f"target: MASE <= autoarima ({mase_p:.3f} vs {mase_aa:.3f}), >=15% lebih baik dari snaive "
          f"({(1 - mase_p / mase_sn) * 100:.1f}%), speedup >= 5x ({speedup:.1f}x)")
    print(f"pagu mase={mase_p:.3f} snaive_mase={mase_sn:.3f} autoarima_mase={mase_aa:.3f} speedup_vs_autoarima={speedup:.1f}")


if __name__ == "__main__":
    main()
