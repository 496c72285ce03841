"""Deterministic SYNTHETIC PLN bills and 522111 pagu shaped like the PPP paper's data (seed 002).

Nothing here is real data: every row carries ``sintetis = 1`` and the files are named ``*_sintetis.csv``.
Shape (defaults): 180 satker and 465 idpel (one satker with 20), monthly bills January 2019 to
December 2023; four level groups sized like the paper's clusters (78/60/39/5 of 182; mean monthly bill
per satker near Rp40,1 juta, 20,4 juta, 10,7 juta, 5,3 juta), each with its own dynamics (smooth trend,
random walk, stationary AR(2), steep trend), a mild shared seasonal profile, the 2020 work-from-home dip,
a tariff step (July 2022, P1/P3), power upgrades, late-starting connections, missing months, and
injected anomalies with their label in ``anomali``: ``meter_error``, ``spike``, ``double_billing``.
The month-to-month noise of an idpel (``noise_sd`` = 11 %) is calibrated so that the paper's procedure
flags about 28 % of the February 2022 bills as "tidak wajar", as it did on the real data (131 of 465).
The paper's five Table 7 satker are present with their 2022 pagu and a 2022 level near its forecast.

Everything is vectorised over idpel, so the 1,000,000-bill benchmark set is made in about a second.
Regenerate the shipped sample: ``python -m analytics.bills.synthetic --out analytics/data``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.bills.schema import AKUN, AKUN_LISTRIK, ANOMALI, IDPEL, KODE_SATKER, NILAI, PAGU, PERIODE, SINTETIS, TAHUN
from analytics.data import DATA_DIR

DEFAULT_SEED = 2022
BILLS_FILE = "tagihan_pln_sintetis.csv"
PAGU_FILE = "pagu_522111_sintetis.csv"

# Paper's Table 2 (cluster sizes and mean bills, rupiah/month) and Table 7 (pagu, forecast for 2022).
PAPER_GROUP_SIZES = (78, 60, 39, 5)
PAPER_GROUP_MEANS = (40_059_130, 20_354_559, 10_714_006, 5_316_875)
PAPER_TABLE7 = {  # kode satker: (group, pagu 2022, forecast 2022); 527027 is Table 6's flat "cluster 3" series
    "527027": (2, 1_216_296_000, 1_259_221_600),
    "527982": (0, 144_000_000, 117_475_917),
    "528099": (1, 120_000_000, 118_775_981),
    "652460": (2, 180_000_000, 82_937_374),
    "527933": (3, 18_900_000, 13_473_667),
}
# Mild seasonal profile of office electricity (hot months up, rainy Jan-Feb and year-end holidays down).
SEASONAL = np.array([-0.05, -0.06, -0.01, 0.03, 0.05, 0.02, -0.02, 0.00, 0.03, 0.05, 0.04, -0.04])
ANOMALY_KINDS = ("meter_error", "spike", "double_billing")
_ORDINAL_1970 = 1970 * 12


@dataclass
class SyntheticPanel:
    """bills: one row per idpel-month (canonical columns + ``anomali`` + ``sintetis``); pagu: one row
    per satker-year for akun 522111 with ``cukup_aktual`` (ground truth: realised total <= pagu; empty
    for the year after the data, whose pagu is known but whose outcome is not);
    satker: kode_satker, group (0-3, the paper's cluster it imitates), n_idpel."""

    bills: pd.DataFrame
    pagu: pd.DataFrame
    satker: pd.DataFrame


def _group_counts(n: int) -> np.ndarray:
    share = np.array(PAPER_GROUP_SIZES, dtype=float) / sum(PAPER_GROUP_SIZES) * n
    counts = np.floor(share).astype(int)
    counts[np.argsort(share - counts)[::-1][: n - counts.sum()]] += 1
    return counts


def _satker_log_levels(rng: np.random.Generator, group: np.ndarray, n_months: int) -> np.ndarray:
    """Log-level dynamics per satker (rows) by group; each row has mean 0 over time."""
    n = len(group)
    out = np.zeros((n, n_months))
    eps = rng.normal(size=(n, n_months))
    eps2 = rng.normal(size=(n, n_months))
    # group 0: smooth trend with a slowly drifting slope (ARIMA(0,2,2)-like)
    slope = rng.normal(0.006, 0.003, size=(n, 1)) + np.cumsum(0.0012 * eps, axis=1)
    g0 = np.cumsum(slope, axis=1) + 0.025 * eps2
    # group 1: random walk with MA noise (ARIMA(0,1,2)-like)
    steps = 0.002 + 0.035 * eps
    g1 = np.cumsum(steps, axis=1) + 0.03 * (eps2 + 0.4 * np.roll(eps2, 1, axis=1))
    # group 2: stationary AR(2) around a fixed level
    g2 = np.zeros((n, n_months))
    for t in range(n_months):
        g2[:, t] = 0.06 * eps[:, t] + (0.55 * g2[:, t - 1] if t >= 1 else 0) + (0.25 * g2[:, t - 2] if t >= 2 else 0)
    # group 3: steep, curving trend (ARIMA(2,2,2)-like)
    slope3 = rng.normal(0.012, 0.004, size=(n, 1)) + np.cumsum(0.0025 * eps, axis=1)
    g3 = np.cumsum(slope3, axis=1) + 0.035 * eps2
    for g, series in enumerate((g0, g1, g2, g3)):
        rows = group == g
        out[rows] = series[rows]
    return out - out.mean(axis=1, keepdims=True)


def _unique_codes(rng: np.random.Generator, n: int, low: int, high: int, taken: set[int]) -> np.ndarray:
    codes: list[int] = []
    seen = set(taken)
    while len(codes) < n:
        for c in rng.integers(low, high, size=(n - len(codes)) * 2):
            if int(c) not in seen:
                seen.add(int(c))
                codes.append(int(c))
                if len(codes) == n:
                    break
    return np.array(codes, dtype=np.int64)


def generate_panel(
    *,
    seed: int = DEFAULT_SEED,
    n_satker: int = 180,
    n_idpel: int = 465,
    start: str = "2019-01",
    end: str = "2023-12",
    big_satker_idpel: int = 20,
    anomaly_rate: float = 0.03,
    missing_rate: float = 0.02,
    late_start_rate: float = 0.06,
    noise_sd: float = 0.11,
) -> SyntheticPanel:
    """Make the synthetic panel (see module doc). Same arguments, same seed: identical output."""
    rng = np.random.default_rng(seed)
    p0, p1 = pd.Period(start, "M"), pd.Period(end, "M")
    n_months = (p1 - p0).n + 1
    month0 = p0.year * 12 + p0.month - 1
    cal_month = (month0 + np.arange(n_months)) % 12
    year = (month0 + np.arange(n_months)) // 12

    # --- satker: codes, groups, levels --------------------------------------------------------
    paper_codes = [int(c) for c in PAPER_TABLE7] if n_satker >= 20 else []
    codes = np.concatenate([np.array(paper_codes, dtype=np.int64),
                            _unique_codes(rng, n_satker - len(paper_codes), 400_000, 700_000, set(paper_codes))])
    group = np.repeat(np.arange(4), _group_counts(n_satker))
    rng.shuffle(group)
    for i, code in enumerate(paper_codes):
        g = PAPER_TABLE7[str(code)][0]
        found = np.flatnonzero(group[i:] == g)  # swap so the paper satker sits in its group (when it can)
        if len(found):
            j = i + int(found[0])
            group[i], group[j] = group[j], group[i]
    level = np.array(PAPER_GROUP_MEANS, dtype=float)[group] * np.exp(rng.normal(0, 0.35, n_satker) - 0.35**2 / 2)
    log_level = _satker_log_levels(rng, group, n_months)
    season_amp = rng.uniform(0.5, 1.5, n_satker)
    wfh = np.zeros(n_months)  # work from home 2020: dip from April, recovery through June 2021
    for t in range(n_months):
        ym = (year[t], cal_month[t] + 1)
        if (2020, 4) <= ym <= (2020, 12):
            wfh[t] = 1.0
        elif (2021, 1) <= ym <= (2021, 6):
            wfh[t] = 1.0 - (ym[1]) / 7.0
    wfh_depth = rng.uniform(0.05, 0.30, n_satker)
    satker_factor = (level[:, None] * np.exp(log_level) * (1 + season_amp[:, None] * SEASONAL[cal_month][None, :])
                     * (1 - wfh_depth[:, None] * wfh[None, :]))

    # --- idpel: counts per satker, shares, tariff class, upgrades, start months ----------------
    counts = np.ones(n_satker, dtype=int)
    if n_idpel > n_satker:
        extra = rng.poisson(1.5, n_satker).astype(float)
        big = int(np.flatnonzero((group == 0) & ~np.isin(codes, paper_codes))[0])
        extra[big] = 0
        big_size = min(big_satker_idpel, n_idpel - n_satker + 1)
        budget = n_idpel - n_satker - (big_size - 1)
        extra = np.floor(extra / max(extra.sum(), 1) * budget).astype(int)
        np.add.at(extra, rng.choice(np.flatnonzero(np.arange(n_satker) != big), budget - extra.sum()), 1)
        counts += extra
        counts[big] = big_size
    sat_of = np.repeat(np.arange(n_satker), counts)
    n_id = len(sat_of)
    share = rng.gamma(2.0, size=n_id)
    share /= np.bincount(sat_of, weights=share)[sat_of]
    tarif = rng.choice(np.array(["P1", "P2", "P3"]), size=n_id, p=[0.8, 0.12, 0.08])
    tarif[np.isin(codes[sat_of], paper_codes)] = "P2"  # no 2022 tariff step: their 2022 level is the paper's
    daya = np.where(tarif == "P2", rng.choice([240_000, 345_000, 555_000], n_id),
                    rng.choice([5_500, 11_000, 23_000, 41_500, 66_000, 105_000, 197_000], n_id))
    t_idx = np.arange(n_months)[None, :]
    step_month = (2022 * 12 + 6) - month0  # July 2022 tariff adjustment for P1/P3
    tariff = np.where((np.isin(tarif, ["P1", "P3"])[:, None]) & (t_idx >= step_month), 1.15, 1.0)
    upgrade_at = np.where(rng.random(n_id) < 0.08, rng.integers(6, n_months, n_id), n_months + 1)
    upgrade = np.where(t_idx >= upgrade_at[:, None], rng.uniform(1.2, 1.6, n_id)[:, None], 1.0)
    start_at = np.where(rng.random(n_id) < late_start_rate, rng.integers(1, n_months, n_id), 0)
    start_at[rng.choice(n_id, min(3, n_id), replace=False)] = n_months - 2  # a few too new to judge

    noise = np.exp(rng.normal(0, noise_sd, (n_id, n_months)) + np.cumsum(rng.normal(0, 0.008, (n_id, n_months)), axis=1))
    clean = satker_factor[sat_of] * share[:, None] * tariff * upgrade * noise

    observed = (t_idx >= start_at[:, None]) & (rng.random((n_id, n_months)) >= missing_rate)
    observed[np.arange(n_id), start_at] = True  # a connection is billed in its first month
    observed[:, -2:] |= (start_at == n_months - 2)[:, None]
    # Paper satker: scale so their billed 2022 total is near the paper's forecast for 2022.
    in_2022 = year == 2022
    for code, (_, _, forecast) in PAPER_TABLE7.items():
        if int(code) not in paper_codes or not in_2022.any():
            continue
        rows = sat_of == int(np.flatnonzero(codes == int(code))[0])
        billed = (clean[rows] * observed[rows])[:, in_2022].sum()
        if billed > 0:
            clean[rows] *= forecast / billed
    # --- anomalies: only where the idpel already has 3 observed months -------------------------
    prior = np.cumsum(observed, axis=1) - observed
    eligible = observed & (prior >= 3)
    is_anom = eligible & (rng.random((n_id, n_months)) < anomaly_rate)
    paper_rows = np.isin(codes[sat_of], paper_codes)
    is_anom[paper_rows] = False  # keep the Table 7 satker clean so their 2022 story matches the paper
    kind = rng.choice(3, size=(n_id, n_months), p=[0.35, 0.40, 0.25])
    amount = clean.copy()
    prev_clean = np.concatenate([clean[:, :1], clean[:, :-1]], axis=1)
    meter = np.where(rng.random((n_id, n_months)) < 0.5, rng.uniform(0.05, 0.45, (n_id, n_months)),
                     rng.uniform(3.0, 10.0, (n_id, n_months)))
    amount = np.where(is_anom & (kind == 0), clean * meter, amount)
    amount = np.where(is_anom & (kind == 1), clean * rng.uniform(1.4, 2.5, (n_id, n_months)), amount)
    amount = np.where(is_anom & (kind == 2), clean + prev_clean, amount)
    amount = np.maximum(np.round(amount), 1000.0)

    # --- long frame ----------------------------------------------------------------------------
    rows, cols = np.nonzero(observed)
    idpel_codes = _unique_codes(rng, n_id, 10**11, 6 * 10**11, set()) + 10**11 * 4  # look like PLN ids
    labels = np.array([""] + list(ANOMALY_KINDS), dtype=object)
    anom_label = np.where(is_anom[rows, cols], kind[rows, cols] + 1, 0)
    bills = pd.DataFrame({
        KODE_SATKER: pd.array(np.char.zfill(codes[sat_of[rows]].astype(str), 6), dtype="str"),
        IDPEL: pd.array(idpel_codes[rows].astype(str), dtype="str"),
        PERIODE: pd.arrays.PeriodArray(month0 + cols - _ORDINAL_1970, dtype="period[M]"),
        NILAI: amount[rows, cols].astype(np.int64),
        "tarif": tarif[rows],
        "daya": daya[rows].astype(np.int64),
        ANOMALI: labels[anom_label],
        SINTETIS: np.int8(1),
    })

    # --- pagu 522111 per satker-year: some years run short -------------------------------------
    # The budget holder plans on the expected (clean) year; a factor below ~1 leaves it short.
    sat_year = pd.DataFrame({"s": sat_of[rows], "y": year[cols], "v": amount[rows, cols], "c": clean[rows, cols]})
    realised = sat_year.groupby(["s", "y"])["v"].sum().unstack(fill_value=0.0).reindex(range(n_satker), fill_value=0.0)
    planned = sat_year.groupby(["s", "y"])["c"].sum().unstack(fill_value=0.0).reindex(range(n_satker), fill_value=0.0)
    years = realised.columns.to_numpy()
    pagu_rows = []
    for y in years:
        pagu = np.round(planned[y].to_numpy() * rng.uniform(0.92, 1.35, n_satker), -3)
        for s in range(n_satker):
            code = f"{codes[s]:06d}"
            if y == 2022 and code in PAPER_TABLE7:
                pagu[s] = PAPER_TABLE7[code][1]
            if planned[y].iloc[s] > 0:  # a satker with no bill that year has no pagu line for it
                pagu_rows.append((code, AKUN_LISTRIK, int(y), int(pagu[s]), bool(realised.iloc[s][y] <= pagu[s])))
    # Next year's DIPA is known in December: its pagu (from this year's realised bills), outcome unknown.
    last = years[-1]
    nxt = np.round(realised[last].to_numpy() * (1 + rng.normal(0.04, 0.04, n_satker)) * rng.uniform(0.9, 1.25, n_satker), -3)
    for s in range(n_satker):
        if realised[last].iloc[s] > 0:
            pagu_rows.append((f"{codes[s]:06d}", AKUN_LISTRIK, int(last) + 1, int(nxt[s]), None))
    pagu_df = pd.DataFrame(pagu_rows, columns=[KODE_SATKER, AKUN, TAHUN, PAGU, "cukup_aktual"])
    pagu_df["cukup_aktual"] = pagu_df["cukup_aktual"].astype("boolean")
    pagu_df[SINTETIS] = np.int8(1)
    satker_df = pd.DataFrame({KODE_SATKER: [f"{c:06d}" for c in codes], "group": group, "n_idpel": counts})
    return SyntheticPanel(bills=bills, pagu=pagu_df, satker=satker_df)


def generate_bills_for_benchmark(n_rows: int = 1_000_000, *, seed: int = DEFAULT_SEED + 1) -> pd.DataFrame:
    """About ``n_rows`` synthetic bills (same shape as the panel, more idpel) for the scoring benchmark."""
    n_months = 60
    n_idpel = int(np.ceil(n_rows / (n_months * 0.95)))  # ~5 % of idpel-months are missing or not yet connected
    panel = generate_panel(seed=seed, n_satker=max(20, n_idpel * 180 // 465), n_idpel=n_idpel)
    return panel.bills.iloc[:n_rows] if len(panel.bills) > n_rows else panel.bills


def to_sakti_export(bills: pd.DataFrame) -> pd.DataFrame:
    """The bills in the SAKTI export's column names (a subset: no personal-data columns)."""
    per = bills[PERIODE].dt
    return pd.DataFrame({
        "KODE_SATKER": bills[KODE_SATKER],
        "JENIS_LAYANAN": "LISTRIK",
        "NO_PELANGGAN": bills[IDPEL],
        "PERIODE_TAGIHAN": per.year * 100 + per.month,
        "NILAI_TAGIHAN": bills[NILAI],
        "tarif": bills["tarif"],
        "daya": bills["daya"],
        "nama_satker": "SATKER SINTETIS " + bills[KODE_SATKER].astype(str),
        ANOMALI: bills[ANOMALI],
        SINTETIS: bills[SINTETIS],
    })


def write_sample(out_dir: Path = DATA_DIR, *, seed: int = DEFAULT_SEED) -> tuple[Path, Path]:
    """Write the shipped sample (bills CSV and pagu CSV) and return their paths."""
    panel = generate_panel(seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    bills_path, pagu_path = out_dir / BILLS_FILE, out_dir / PAGU_FILE
    to_sakti_export(panel.bills).to_csv(bills_path, index=False)
    panel.pagu.to_csv(pagu_path, index=False)
    return bills_path, pagu_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Tulis sampel data tagihan PLN dan pagu 522111 SINTETIS.")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for path in write_sample(args.out, seed=args.seed):
        print(f"ditulis: {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
