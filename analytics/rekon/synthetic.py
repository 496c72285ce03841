"""Deterministic synthetic satker-months shaped like the reconciliation study (seed 004). SYNTHETIC DATA.

Sizes and marginals follow the paper's section 4.3 (13,782 satker-months of the seven Jakarta KPPN,
January - November 2015, 3,279 SELISIH = 23.8%; kewenangan KP 2,591 / KD 770 / DK 261 / TP 24 / none
10,136; programs 1..10 per Table 4; pagu and realisasi bins per Tables 5-7; SP2D 0..1,194 a month;
revisi DIPA 0..66 a month).

How the class arises (our assumption, written to match the paper's findings, not taken from data): each
recorded transaction is a chance of a recording error, so the log-odds of SELISIH grow smoothly with the
number of SP2D and with PNBP deposits, with the number of programs and outputs (more account
combinations), for central-office (KP) satker, with bansos payments, DIPA revisions, blocked pagu and
lumpy capital payments. Each satker also has its own unobserved error propensity (operator skill) and
each month its own noise, so no model can be near-perfect: a J48 tree on the paper's binned attributes
lands near the paper's figures (accuracy ~78%, AUC ~0.7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from analytics.rekon.schema import (
    EXPORT_COLUMNS,
    JUTA,
    KEWENANGAN,
    LABEL_COLUMN,
    MILIAR,
    OK,
    SELISIH,
    SOURCE_COLUMN,
)

SYNTHETIC_LABEL = "SINTETIS"
PAPER_ROWS = 13_782
PAPER_SELISIH_SHARE = 3_279 / 13_782
MONTHS = 11  # January - November 2015 (December is reconciled under year-end rules, paper section 4.3)
# Seasonality of spending and payment volume, January..November (low in January, rising to year end).
SEASON = np.array([0.45, 0.75, 0.9, 0.95, 1.0, 1.0, 0.95, 1.0, 1.05, 1.1, 1.2])


@dataclass(frozen=True)
class RiskCoefficients:
    """Log-odds contributions of SELISIH per unit; see the module docstring for the story."""

    intercept: float | None = None  # None: solved so that the expected SELISIH share is the paper's 23.8%
    log_sp2d: float = 0.62
    log_pnbp: float = 0.24  # per log(1 + PNBP / Rp100.000)
    multi_program: float = 0.30
    per_extra_program: float = 0.10
    per_output: float = 0.020
    kp: float = 0.45
    bansos_paid: float = 0.75
    log_revisi: float = 0.30
    blokir: float = 0.30
    log_modal: float = 0.12  # per log(1 + realisasi modal / Rp100 juta)
    catch_up: float = 0.35  # monthly realisasi barang more than twice its average month
    satker_sd: float = 0.45  # unobserved operator skill
    january: float = 0.25  # new-year opening balances


def _pick(rng, probs, size, latent=None, rho=0.0):
    """Categorical draw; with ``latent`` the draw is monotone in it (Gaussian copula, correlation ``rho``)."""
    probs = np.asarray(probs, dtype=float)
    probs = probs / probs.sum()
    noise = rng.standard_normal(size)
    z = noise if latent is None else rho * latent + np.sqrt(1 - rho**2) * noise
    u = ndtr(z)
    return np.minimum(np.searchsorted(np.cumsum(probs), u, side="right"), len(probs) - 1), u


def _amount_from_bins(rng, probs, bounds, latent, rho):
    """Rupiah amounts whose bin shares follow ``probs`` (bin 0 = zero), log-uniform inside each bin."""
    idx, u = _pick(rng, probs, latent.shape[0], latent, rho)
    cum = np.concatenate([[0.0], np.cumsum(probs) / np.sum(probs)])
    within = np.clip((u - cum[idx]) / np.maximum(cum[idx + 1] - cum[idx], 1e-12), 0, 1)
    lo = np.array([0.0] + [b[0] for b in bounds])[idx]
    hi = np.array([0.0] + [b[1] for b in bounds])[idx]
    amount = np.exp(
        np.log(np.maximum(lo, 1)) + within * (np.log(np.maximum(hi, 1)) - np.log(np.maximum(lo, 1)))
    )
    return np.where(idx == 0, 0.0, np.round(amount, -3))


_PAGU_BOUNDS = [
    (20 * JUTA, 200 * JUTA),
    (200 * JUTA, 10 * MILIAR),
    (10 * MILIAR, 100 * MILIAR),
    (100 * MILIAR, 800 * MILIAR),
]


def _satkers(rng, n: int) -> pd.DataFrame:
    size = rng.standard_normal(n)
    kew_idx, _ = _pick(rng, [2591, 770, 261, 24, 10136], n)
    kew = np.asarray(KEWENANGAN, dtype=object)[kew_idx]
    size = size + 0.6 * (kew == "KP")  # central offices in Jakarta run the big budgets
    fungsi = 1 + _pick(rng, [12113, 1432, 237], n, size, 0.5)[0]
    sub_values = np.array([1, 2, 3, 4, 11])
    subfungsi = np.maximum(fungsi, sub_values[_pick(rng, [11069, 2204, 429, 69, 11], n, size, 0.5)[0]])
    prog_values = np.array([1, 2, 3, 4, 6, 7, 8, 10])
    program = prog_values[_pick(rng, [10718, 2306, 446, 153, 61, 22, 65, 11], n, size, 0.55)[0]]
    scale = np.exp(0.35 * size)
    scale = np.exp(0.6 * size)
    kegiatan = program + rng.negative_binomial(0.45 * scale, 0.22)
    output = kegiatan + rng.negative_binomial(0.9 * scale, 0.2)
    return pd.DataFrame(
        {
            "kode_satker": [f"{k:06d}" for k in rng.choice(np.arange(100_000, 1_000_000), n, replace=False)],
            "size": size,
            "jenis_kewenangan": kew,
            "jumlah_fungsi": fungsi,
            "jumlah_subfungsi": subfungsi,
            "jumlah_program": program,
            "jumlah_kegiatan": np.minimum(kegiatan, 80),
            "jumlah_output": np.minimum(output, 150),
            "pagu_pegawai": _amount_from_bins(rng, [3297, 460, 5215, 4786, 24], _PAGU_BOUNDS, size, 0.7),
            "pagu_barang": _amount_from_bins(rng, [317, 622, 5605, 5245, 1993], _PAGU_BOUNDS, size, 0.75),
            "pagu_modal": _amount_from_bins(rng, [3078, 1494, 6541, 2665, 4], _PAGU_BOUNDS, size, 0.5),
            "pagu_bansos": np.where(
                rng.random(n) < 1296 / 13782,
                np.round(np.exp(rng.uniform(np.log(1e8), np.log(5e10), n)), -3),
                0.0,
            ),
            "pagu_lainnya": np.where(
                rng.random(n) < 22 / 13782, np.round(np.exp(rng.uniform(18, 22, n)), -3), 0.0
            ),
            # PNBP: about a third of satker collect it; their monthly level spans Rp100 ribu .. Rp50 miliar
            "pnbp_level": np.where(
                rng.random(n) < 0.36,
                np.where(
                    rng.random(n) < 0.5, rng.normal(np.log(2.5e5), 1.0, n), rng.normal(np.log(1.5e8), 2.4, n)
                ),
                -np.inf,
            ),
            "skill": rng.standard_normal(n),
            "sp2d_rate": np.exp(np.log(19.0) + 1.25 * (0.75 * size + 0.66 * rng.standard_normal(n))),
            "revisi_rate": np.exp(-1.9 + 0.7 * size + 0.9 * rng.standard_normal(n)),
            "blokir_from": np.where(rng.random(n) < 0.006, rng.integers(1, 9, n), 99),
        }
    )


def generate_rekon_dataset(
    n_rows: int = PAPER_ROWS, seed: int = 2015, coef: RiskCoefficients | None = None, year: int = 2015
) -> pd.DataFrame:
    """``n_rows`` synthetic satker-months (export columns + ``sumber_data='SINTETIS'``); same seed, same rows.

    Amounts are rupiah; monthly attributes (realisasi, SP2D, revisi, PNBP) are that month's, not cumulative.
    """
    coef = coef or RiskCoefficients()
    rng = np.random.default_rng(seed)
    n_satker = -(-n_rows // MONTHS)
    sat = _satkers(rng, n_satker)
    rows = sat.loc[np.repeat(sat.index.to_numpy(), MONTHS)].reset_index(drop=True)
    month = np.tile(np.arange(1, MONTHS + 1), n_satker)
    rows = rows.iloc[:n_rows].copy()
    month = month[:n_rows]
    n = len(rows)
    season = SEASON[month - 1]

    sp2d = rng.poisson(rows["sp2d_rate"].to_numpy() * season * rng.gamma(6.0, 1 / 6.0, n))
    sp2d = np.minimum(sp2d, 1194)
    paid = sp2d > 0
    out = rows[
        [
            "kode_satker",
            "jenis_kewenangan",
            "jumlah_fungsi",
            "jumlah_subfungsi",
            "jumlah_program",
            "jumlah_kegiatan",
            "jumlah_output",
            "pagu_bansos",
            "pagu_barang",
            "pagu_lainnya",
            "pagu_modal",
            "pagu_pegawai",
        ]
    ].copy()
    out.insert(1, "periode", [f"{year}-{m:02d}" for m in month])
    out["pagu_blokir"] = np.where(
        month >= rows["blokir_from"].to_numpy(), np.round(0.1 * rows["pagu_barang"].to_numpy() + 5e7, -3), 0.0
    )

    def monthly(pagu, p_active, sd):
        active = paid & (pagu > 0) & (rng.random(n) < p_active)
        value = pagu / 12 * season * np.exp(rng.normal(-(sd**2) / 2, sd, n))
        return np.where(active, np.round(value, -3), 0.0)

    out["realisasi_bansos"] = monthly(out["pagu_bansos"].to_numpy(), 0.25, 0.9)
    out["realisasi_barang"] = monthly(out["pagu_barang"].to_numpy(), 0.86, 0.75)
    out["realisasi_lainnya"] = monthly(out["pagu_lainnya"].to_numpy(), 0.7, 0.5)
    out["realisasi_modal"] = monthly(out["pagu_modal"].to_numpy() * 1.6, 0.42 * season, 1.5)
    out["realisasi_pegawai"] = monthly(out["pagu_pegawai"].to_numpy() * 1.25, 0.97, 0.35)
    out["jumlah_sp2d"] = sp2d
    out["jumlah_revisi_dipa"] = np.minimum(
        rng.poisson(rows["revisi_rate"].to_numpy() * season * rng.gamma(0.35, 1 / 0.35, n)), 66
    )
    level = rows["pnbp_level"].to_numpy()
    has_pnbp = np.isfinite(level) & (rng.random(n) < 0.78)
    pnbp = np.exp(np.where(np.isfinite(level), level, 0) + rng.normal(0, 0.7, n))
    out["realisasi_pnbp"] = np.where(has_pnbp, np.round(pnbp, -2), 0.0)

    logit = _risk_logit(out, rows["skill"].to_numpy(), month, coef)
    if coef.intercept is None:
        logit = logit + _solve_intercept(logit, PAPER_SELISIH_SHARE)
    selisih = rng.random(n) < expit(logit)
    out[LABEL_COLUMN] = np.where(selisih, SELISIH, OK)
    out[SOURCE_COLUMN] = "SINTETIS"
    return out[[*EXPORT_COLUMNS, SOURCE_COLUMN]].reset_index(drop=True)


def _risk_logit(df: pd.DataFrame, skill: np.ndarray, month: np.ndarray, c: RiskCoefficients) -> np.ndarray:
    g = lambda col: df[col].to_numpy(dtype=float)  # noqa: E731 - local shorthand
    program = g("jumlah_program")
    avg_barang = g("pagu_barang") / 12
    catch_up = (avg_barang > 0) & (g("realisasi_barang") > 2 * avg_barang)
    return (
        (c.intercept or 0.0)
        + c.log_sp2d * np.log1p(g("jumlah_sp2d"))
        + c.log_pnbp * np.log1p(g("realisasi_pnbp") / 1e5)
        + c.multi_program * (program > 1)
        + c.per_extra_program * (program - 1)
        + c.per_output * g("jumlah_output")
        + c.kp * (df["jenis_kewenangan"].to_numpy() == "KP")
        + c.bansos_paid * (g("realisasi_bansos") > 0)
        + c.log_revisi * np.log1p(g("jumlah_revisi_dipa"))
        + c.blokir * (g("pagu_blokir") > 0)
        + c.log_modal * np.log1p(g("realisasi_modal") / 1e8)
        + c.catch_up * catch_up
        + c.january * (month == 1)
        + c.satker_sd * skill
    )


def _solve_intercept(logit: np.ndarray, share: float) -> float:
    """The shift b with mean(expit(logit + b)) = share (bisection; the mean is monotone in b)."""
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expit(logit + mid).mean() < share else (lo, mid)
    return (lo + hi) / 2


def marginal_report(df: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Counts per paper label, to compare with the paper's tables (used when tuning the generator)."""
    from analytics.rekon.schema import to_paper_attributes

    paper = to_paper_attributes(df)
    report = {
        c: paper[c].value_counts().to_dict() for c in paper.columns if str(paper[c].dtype) == "category"
    }
    report[LABEL_COLUMN] = df[LABEL_COLUMN].value_counts().to_dict()
    report["jumlah_program"] = paper["jumlah_program"].value_counts().sort_index().to_dict()
    for col in ("jumlah_sp2d", "jumlah_revisi_dipa", "jumlah_kegiatan", "jumlah_output"):
        s = paper[col]
        report[col] = {
            "max": int(s.max()),
            "median": int(s.median()),
            "distinct": int(s.nunique()),
            "p>373": int((s > 373).sum()) if col == "jumlah_sp2d" else 0,
        }
    return report
