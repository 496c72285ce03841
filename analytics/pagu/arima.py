"""Exact Gaussian maximum likelihood for many ARMA series of one order at once (numpy, no loop per series).

Why: the paper fits one ARIMA order per cluster; every satker of the cluster then needs its own
parameters. statsmodels fits one series per call (tens of milliseconds of Python each); here all the
cluster's series share one Kalman filter pass whose arrays run over the series, so a cluster of 80
satker is fitted in about the time statsmodels takes for a few. The likelihood is the same exact
(prediction-error decomposition) likelihood statsmodels' ARIMA maximises, with the innovation variance
concentrated out; tests check the two agree.

Model on a (differenced) series w_t: (w_t - mu) = sum_i phi_i (w_{t-i} - mu) + e_t + sum_j theta_j e_{t-j},
in Harvey's state-space form. Stationarity and invertibility hold by construction: coefficients come from
partial autocorrelations tanh(u) through the Durbin-Levinson recursion (Monahan 1984). NaN observations
are skipped by the filter.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BOUND = 4.0  # |tanh(4)| = 0.9993: keeps roots off the unit circle


def pacf_to_coefs(u: np.ndarray) -> np.ndarray:
    """Unconstrained (S, k) -> stationary AR coefficients (S, k) via tanh and Durbin-Levinson."""
    r = np.tanh(u)
    phi = np.zeros_like(r)
    for j in range(r.shape[1]):
        prev = phi[:, :j].copy()
        phi[:, :j] = prev - r[:, j : j + 1] * prev[:, ::-1]
        phi[:, j] = r[:, j]
    return phi


def coefs_to_pacf(phi: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pacf_to_coefs` (for warm starts); clipped inside the bound."""
    phi = np.array(phi, dtype=float, copy=True)
    k = phi.shape[1]
    r = np.zeros_like(phi)
    for j in range(k - 1, -1, -1):
        rj = np.clip(phi[:, j], -0.999, 0.999)
        r[:, j] = rj
        prev = phi[:, :j]
        phi[:, :j] = (prev + rj[:, None] * prev[:, ::-1]) / (1 - rj[:, None] ** 2)
    return np.clip(np.arctanh(r), -_BOUND, _BOUND)


@dataclass
class ArmaFit:
    """Fitted parameters per series (rows): phi (S, p), theta (S, q), mu (S,) in the units of the input,
    sigma2 (S,) innovation variance, loglik (S,) full Gaussian log-likelihood, nobs (S,), aic (S,),
    innovations (S, n) standardised one-step errors (NaN where skipped), state/cov for forecasting."""

    phi: np.ndarray
    theta: np.ndarray
    mu: np.ndarray
    sigma2: np.ndarray
    loglik: np.ndarray
    nobs: np.ndarray
    aic: np.ndarray
    innovations: np.ndarray
    state: np.ndarray
    converged: bool


def _system(phi: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    S, p = phi.shape
    q = theta.shape[1]
    r = max(p, q + 1)
    T = np.zeros((S, r, r))
    T[:, :p, 0] = phi
    idx = np.arange(r - 1)
    T[:, idx, idx + 1] = 1.0
    R = np.zeros((S, r))
    R[:, 0] = 1.0
    R[:, 1 : q + 1] = theta
    RR = R[:, :, None] * R[:, None, :]
    # Stationary initial covariance: vec(P) = (I - T kron T)^-1 vec(RR').
    TT = np.einsum("sij,skl->sikjl", T, T).reshape(S, r * r, r * r)
    P0 = np.linalg.solve(np.eye(r * r)[None] - TT, RR.reshape(S, r * r, 1)).reshape(S, r, r)
    return T, RR, P0


def kalman_nll(z: np.ndarray, phi: np.ndarray, theta: np.ndarray, mu: np.ndarray, *, keep: bool = False):
    """Concentrated negative log-likelihood per series (constant terms dropped) and, with ``keep``,
    the standardised innovations, sigma2, nobs and the one-step-ahead state after the last month.

    The transition matrix has the companion structure (first column phi, ones above the diagonal), so
    T a and T P T' are written as shifts instead of matrix products: fewer numpy calls per month.
    """
    S, n = z.shape
    _, RR, P = _system(phi, theta)
    r = RR.shape[1]
    phif = np.zeros((S, r))
    phif[:, : phi.shape[1]] = phi
    a = np.zeros((S, r))
    sum_log_f = np.zeros(S)
    ssq = np.zeros(S)
    nobs = np.zeros(S)
    innov = np.full((S, n), np.nan) if keep else None
    for t in range(n):
        y = z[:, t]
        o = np.isfinite(y)
        f = np.maximum(P[:, 0, 0], 1e-12)
        v = np.where(o, y - mu - a[:, 0], 0.0)
        tp0 = phif * P[:, 0, 0][:, None]          # (T P)[:, :, 0]
        tp0[:, :-1] += P[:, 1:, 0]
        k = tp0 / f[:, None]
        ta = phif * a[:, 0][:, None]              # T a
        ta[:, :-1] += a[:, 1:]
        a = ta + np.where(o[:, None], k * v[:, None], 0.0)
        m = phif[:, :, None] * P[:, 0:1, :]       # T P
        m[:, :-1, :] += P[:, 1:, :]
        tpt = m[:, :, 0:1] * phif[:, None, :]     # T P T'
        tpt[:, :, :-1] += m[:, :, 1:]
        P = tpt + RR - (o * f)[:, None, None] * (k[:, :, None] * k[:, None, :])
        sum_log_f += np.where(o, np.log(f), 0.0)
        ssq += np.where(o, v * v / f, 0.0)
        nobs += o
        if keep:
            innov[:, t] = np.where(o, v / np.sqrt(f), np.nan)
    sigma2 = ssq / np.maximum(nobs, 1)
    nll = 0.5 * (nobs * np.log(np.maximum(sigma2, 1e-300)) + sum_log_f)
    if not keep:
        return nll
    return nll, innov, sigma2, nobs, a


def _unpack(x: np.ndarray, p: int, q: int, has_mu: bool):
    phi = pacf_to_coefs(x[:, :p]) if p else np.zeros((len(x), 0))
    theta = -pacf_to_coefs(x[:, p : p + q]) if q else np.zeros((len(x), 0))
    mu = x[:, p + q] if has_mu else np.zeros(len(x))
    return phi, theta, mu


def _lockstep_bfgs(objective, x0: np.ndarray, *, maxiter: int, gtol: float = 1e-4) -> tuple[np.ndarray, bool]:
    """Minimise S independent smooth functions of k variables at once (one BFGS per row, run in step).

    ``objective(rows, x, with_grad)`` evaluates the functions of series ``rows`` at ``x`` (len(rows), k)
    and returns f and, with ``with_grad``, the gradient. Each row keeps its own inverse-Hessian estimate
    and Armijo backtracking; rows that have converged are frozen, so later passes get cheaper.
    """
    S, k = x0.shape
    every = np.arange(S)
    x = np.clip(x0, -_BOUND, _BOUND)
    f, g = objective(every, x, True)
    H = np.tile(np.eye(k), (S, 1, 1)) / np.maximum(np.abs(g).max(axis=1), 1.0)[:, None, None]
    active = np.abs(g).max(axis=1) > gtol
    first = np.ones(S, dtype=bool)
    for _ in range(maxiter):
        if not active.any():
            break
        d = -np.einsum("sij,sj->si", H, g)
        d /= np.maximum(np.abs(d).max(axis=1, keepdims=True), 1.0)  # tanh saturates: no step beyond 1
        slope = (g * d).sum(axis=1)
        bad = slope >= 0  # not a descent direction: restart from scaled steepest descent
        d[bad] = -g[bad] / np.maximum(np.abs(g[bad]).max(axis=1, keepdims=True), 1.0)
        slope[bad] = (g[bad] * d[bad]).sum(axis=1)
        step = np.ones(S)
        x_new, f_new = x.copy(), f.copy()
        todo = active.copy()
        for _ls in range(12):
            if not todo.any():
                break
            rows = np.flatnonzero(todo)
            trial = np.clip(x[rows] + step[rows, None] * d[rows], -_BOUND, _BOUND)
            ft, _ = objective(rows, trial, False)
            ok = np.isfinite(ft) & (ft <= f[rows] + 1e-4 * step[rows] * slope[rows])
            x_new[rows[ok]], f_new[rows[ok]] = trial[ok], ft[ok]
            todo[rows[ok]] = False
            step[todo] *= 0.5
        moved = active & ~todo
        active &= moved  # a row whose line search found no decrease is at its optimum (to tolerance)
        if not moved.any():
            break
        rows = np.flatnonzero(moved)
        _, g_new = objective(rows, x_new[rows], True)
        sv = x_new[rows] - x[rows]
        yv = g_new - g[rows]
        ys = (yv * sv).sum(axis=1)
        Hm = H[rows]
        upd = ys > 1e-10
        fresh = upd & first[rows]  # Nocedal & Wright (6.20): rescale H0 before the first update
        if fresh.any():
            Hm[fresh] = np.eye(k)[None] * (ys[fresh] / (yv[fresh] ** 2).sum(axis=1))[:, None, None]
            first[rows[fresh]] = False
        if upd.any():
            rho = 1.0 / ys[upd]
            V = np.eye(k)[None] - rho[:, None, None] * sv[upd][:, :, None] * yv[upd][:, None, :]
            Hm[upd] = V @ Hm[upd] @ V.transpose(0, 2, 1) + rho[:, None, None] * sv[upd][:, :, None] * sv[upd][:, None, :]
        H[rows] = Hm
        small_change = np.abs(f[rows] - f_new[rows]) < 1e-10 * (1 + np.abs(f[rows]))
        x[rows], f[rows], g[rows] = x_new[rows], f_new[rows], g_new
        active[rows[(np.abs(g_new).max(axis=1) <= gtol) | small_change]] = False
    return x, not active.any()


def fit_arma_batch(
    w: np.ndarray,
    p: int | np.ndarray,
    q: int | np.ndarray,
    *,
    has_mu: bool | np.ndarray = True,
    start: tuple[np.ndarray, np.ndarray, float] | None = None,
    maxiter: int = 60,
) -> ArmaFit:
    """Fit ARMA(p, q) (+ mean ``mu`` when ``has_mu``) to every row of ``w`` (S, n) by exact ML.

    ``p``, ``q`` and ``has_mu`` may differ per row (arrays of length S): lower orders are the higher
    ones with the extra partial autocorrelations held at 0, so a whole AIC search is one optimisation.
    Rows are scaled internally; ``start`` = (phi, theta, mu_standardised) from a cluster-level fit
    warm-starts every row (the amortisation that makes the clustered pipeline fast).
    """
    w = np.asarray(w, dtype=float)
    S = w.shape[0]
    p_row = np.broadcast_to(np.asarray(p, dtype=int), (S,))
    q_row = np.broadcast_to(np.asarray(q, dtype=int), (S,))
    mu_row = np.broadcast_to(np.asarray(has_mu, dtype=bool), (S,))
    P, Q = int(p_row.max()), int(q_row.max())
    k = P + Q + 1
    free = np.zeros((S, k), dtype=bool)
    free[:, :P] = np.arange(P)[None, :] < p_row[:, None]
    free[:, P : P + Q] = np.arange(Q)[None, :] < q_row[:, None]
    free[:, P + Q] = mu_row
    # Without a mean term the model is centred at 0, so only scale (never shift) those rows.
    with np.errstate(invalid="ignore"):
        loc = np.where(mu_row, np.nanmean(w, axis=1), 0.0)
        scale = np.where(mu_row, np.nanstd(w, axis=1), np.sqrt(np.nanmean(w * w, axis=1)))
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    z = (w - loc[:, None]) / scale[:, None]
    x0 = np.zeros((S, k))
    if start is not None:
        sphi, stheta, smu = start
        sphi, stheta = np.atleast_1d(np.asarray(sphi, float)), np.atleast_1d(np.asarray(stheta, float))
        if P and sphi.size:
            x0[:, : sphi.size] = coefs_to_pacf(np.broadcast_to(sphi, (S, sphi.size)))
        if Q and stheta.size:
            x0[:, P : P + stheta.size] = coefs_to_pacf(-np.broadcast_to(stheta, (S, stheta.size)))
        x0[:, P + Q] = smu
    x0 = np.where(free, x0, 0.0)
    converged = True
    if free.any():
        h = 1e-6

        def objective(idx: np.ndarray, x: np.ndarray, with_grad: bool):
            m = len(x)
            if not with_grad:
                phi, theta, mu = _unpack(x, P, Q, True)
                return kalman_nll(z[idx], phi, theta, mu), None
            # f and the k forward differences in one filter pass over (k + 1) * m rows
            xs = np.tile(x, (k + 1, 1))
            for j in range(k):
                xs[(j + 1) * m : (j + 2) * m, j] += h
            phi, theta, mu = _unpack(xs, P, Q, True)
            nll = kalman_nll(np.tile(z[idx], (k + 1, 1)), phi, theta, mu).reshape(k + 1, m)
            grad = ((nll[1:] - nll[0]) / h).T
            return nll[0], np.where(free[idx], grad, 0.0)  # fixed parameters never move

        x, converged = _lockstep_bfgs(objective, x0, maxiter=maxiter)
    else:
        x = x0
    phi, theta, mu_z = _unpack(x, P, Q, True)
    nll, innov, sigma2, nobs, state = kalman_nll(z, phi, theta, mu_z, keep=True)
    loglik_z = -(nll + 0.5 * nobs * (1 + np.log(2 * np.pi)))
    loglik = loglik_z - nobs * np.log(scale)  # back to the units of w
    n_params = free.sum(axis=1) + 1  # + sigma2
    return ArmaFit(phi=phi, theta=theta, mu=loc + scale * mu_z, sigma2=sigma2 * scale**2, loglik=loglik, nobs=nobs,
                   aic=-2 * loglik + 2 * n_params, innovations=innov,
                   state=state * scale[:, None], converged=converged)


def forecast_arma(fit: ArmaFit, steps: int) -> np.ndarray:
    """Point forecasts (S, steps) of the (differenced) series, from the state after the last month."""
    T, _, _ = _system(fit.phi, fit.theta)
    a = fit.state.copy()
    out = np.empty((len(a), steps))
    for h in range(steps):
        out[:, h] = fit.mu + a[:, 0]
        a = np.einsum("sij,sj->si", T, a)
    return out


def psi_weights(phi: np.ndarray, theta: np.ndarray, d: int, steps: int) -> np.ndarray:
    """MA(infinity) weights psi_0..psi_{steps-1} (S, steps) of ARIMA(p, d, q) in the levels."""
    S = phi.shape[0]
    ar = np.zeros((S, steps + 3))
    ar[:, 0] = 1.0
    ar[:, 1 : phi.shape[1] + 1] = -phi
    for _ in range(d):  # multiply the AR polynomial by (1 - L)
        ar[:, 1:] = ar[:, 1:] - ar[:, :-1].copy()
    ma = np.zeros((S, steps))
    ma[:, 0] = 1.0
    ma[:, 1 : min(theta.shape[1] + 1, steps)] = theta[:, : steps - 1]
    psi = np.zeros((S, steps))
    for j in range(steps):
        acc = ma[:, j].copy()
        for i in range(1, j + 1):
            acc -= ar[:, i] * psi[:, j - i]
        psi[:, j] = acc
    return psi
