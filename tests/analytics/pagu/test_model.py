"""Per-cluster checks and forecasting helpers (analytics.pagu.model)."""
import numpy as np
from scipy import stats
from statsmodels.stats.diagnostic import acorr_ljungbox

from analytics.pagu.model import _integrate, choose_d, pooled_seasonal, residual_checks, simple_forecast
import pandas as pd


def test_residual_checks_match_statsmodels_and_scipy():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(3, 40))
    e[2, :5] = np.nan
    lb, ks = residual_checks(e, n_params=2)
    for i in range(3):
        x = e[i][np.isfinite(e[i])]
        lags = min(10, len(x) // 5)
        ref = acorr_ljungbox(x, lags=[lags], model_df=2)["lb_pvalue"].iloc[0]
        assert lb[i] == np.float64(ref) or abs(lb[i] - ref) < 1e-9
        z = (x - x.mean()) / x.std(ddof=1)
        assert abs(ks[i] - stats.kstest(z, "norm").pvalue) < 1e-9


def test_choose_d_by_adf():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(5, 48))
    assert choose_d(noise)[0] == 0
    assert choose_d(np.cumsum(noise, axis=1))[0] == 1


def test_pooled_seasonal_finds_a_shared_profile():
    rng = np.random.default_rng(2)
    cal = np.arange(48) % 12
    profile = 0.08 * np.sin(2 * np.pi * np.arange(12) / 12)
    rows = np.log(100) + profile[cal][None, :] + rng.normal(0, 0.02, (10, 48))
    factors, p = pooled_seasonal(rows, cal)
    assert p < 1e-6 and np.corrcoef(factors, profile)[0, 1] > 0.95
    _, p_none = pooled_seasonal(np.log(100) + rng.normal(0, 0.02, (10, 48)), cal)
    assert p_none > 0.01


def test_integrate_differences():
    x = np.array([[1.0, 2.0, 4.0]])
    np.testing.assert_allclose(_integrate(x, np.array([[1.0, 1.0]]), 1), [[5.0, 6.0]])
    np.testing.assert_allclose(_integrate(x, np.array([[0.0, 0.0]]), 2), [[6.0, 8.0]])  # keeps the last slope


def test_simple_forecast_seasonal_naive_and_note():
    y = np.arange(1, 25, dtype=float)
    months = list(pd.period_range("2021-01", periods=3, freq="M"))
    fc = simple_forecast("123456", y, months, reason="uji")
    np.testing.assert_allclose(fc.mean, [13, 14, 15])
    assert fc.fallback_note.startswith("uji; dipakai model sederhana")
    assert fc.total_lower <= fc.total_mean <= fc.total_upper
