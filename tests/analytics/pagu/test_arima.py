"""Batched exact-ML ARMA (analytics.pagu.arima) against statsmodels on the same series."""
import warnings

import numpy as np
import pytest
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.arima_process import arma_generate_sample

from analytics.pagu.arima import coefs_to_pacf, fit_arma_batch, forecast_arma, pacf_to_coefs, psi_weights


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(3)
    return np.array([50 + arma_generate_sample([1, -0.5, -0.2], [1, 0.4], 48, distrvs=rng.standard_normal)
                     for _ in range(4)])


def test_transform_round_trip_and_stationarity():
    u = np.array([[0.3, -1.2], [2.0, 0.5]])
    phi = pacf_to_coefs(u)
    np.testing.assert_allclose(coefs_to_pacf(phi), u, atol=1e-9)
    for row in phi:  # roots of 1 - phi1 z - phi2 z^2 outside the unit circle
        assert np.all(np.abs(np.roots([-row[1], -row[0], 1])) > 1)


@pytest.mark.parametrize("p, q", [(1, 0), (2, 1), (0, 2)])
def test_loglik_params_forecast_match_statsmodels(series, p, q):
    """statsmodels' own value at our parameters equals our log-likelihood (same function)."""
    fit = fit_arma_batch(series, p, q, has_mu=True)
    fc = forecast_arma(fit, 4)
    for i in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = ARIMA(series[i], order=(p, 0, q), trend="c").fit()
        # the same exact likelihood: ours reaches statsmodels' optimum (or a better one)
        assert fit.loglik[i] >= ref.llf - 0.05
        if abs(fit.loglik[i] - ref.llf) < 0.05:
            assert fit.mu[i] == pytest.approx(ref.params[0], rel=0.02)
            np.testing.assert_allclose(fc[i], ref.forecast(4), rtol=0.01)
            assert fit.aic[i] == pytest.approx(ref.aic, abs=0.1)


def test_mixed_orders_in_one_batch_equal_separate_fits(series):
    joint = fit_arma_batch(np.vstack([series[:2], series[:2]]), np.array([1, 1, 2, 2]), np.array([0, 0, 1, 1]))
    a = fit_arma_batch(series[:2], 1, 0)
    b = fit_arma_batch(series[:2], 2, 1)
    np.testing.assert_allclose(joint.loglik, np.r_[a.loglik, b.loglik], atol=0.02)


def test_psi_weights_of_integrated_models():
    # random walk: psi_j = 1; ARIMA(0,1,1) with theta: psi_0 = 1, psi_j = 1 + theta
    np.testing.assert_allclose(psi_weights(np.zeros((1, 0)), np.zeros((1, 0)), 1, 4)[0], [1, 1, 1, 1])
    np.testing.assert_allclose(psi_weights(np.zeros((1, 0)), np.array([[0.4]]), 1, 3)[0], [1, 1.4, 1.4])
    np.testing.assert_allclose(psi_weights(np.array([[0.5]]), np.zeros((1, 0)), 0, 3)[0], [1, 0.5, 0.25])


def test_missing_months_are_skipped(series):
    w = series[:1].copy()
    w[0, 10] = np.nan
    fit = fit_arma_batch(w, 1, 0)
    assert fit.nobs[0] == 47 and np.isfinite(fit.loglik[0])


def test_same_function_as_statsmodels_at_given_parameters(series):
    fit = fit_arma_batch(series[:1], 2, 1, has_mu=True)
    model = ARIMA(series[0], order=(2, 0, 1), trend="c")
    params = np.r_[fit.mu[0], fit.phi[0], fit.theta[0], fit.sigma2[0]]
    assert model.loglike(params) == pytest.approx(fit.loglik[0], abs=1e-6)
