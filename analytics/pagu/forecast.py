"""Will the pagu of akun 522111 (electricity) last the year? (seed 002, domain §2; the paper's Table 7)

``forecast_pagu(kode_satker, as_of=...)`` adds the year's realised bills to the forecast of the months
left to December and compares the projected total with the pagu: "Pagu Cukup" or "Pagu Kurang", the
month the pagu is expected to run out, and the shortfall with its prediction interval. Re-run it each
month: data after ``as_of`` is ignored.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from analytics.ids import nama_bulan, parse_kode_satker, parse_periode
from analytics.bills.schema import AKUN_LISTRIK
from analytics.errors import InvalidInputError
from analytics.money import format_persen, format_rupiah
from analytics.pagu.model import SatkerForecast
from analytics.pagu.pipeline import PaguPipeline

PAGU_CUKUP = "Pagu Cukup"
PAGU_KURANG = "Pagu Kurang"
DEFAULT_LEVEL = 0.80  # prediction-interval coverage


def pagu_verdict(pagu: float, projected_total: float) -> str:
    """The paper's rule (Table 7): projected spending for the year above the pagu is "Pagu Kurang"."""
    return PAGU_KURANG if projected_total > pagu else PAGU_CUKUP


@dataclass
class PaguForecastResult:
    """The early warning for one satker, akun and budget year (amounts in rupiah)."""

    kode_satker: str
    akun: str
    tahun: int
    as_of: pd.Period
    pagu: int
    realised: float                     # bills of the year up to and including as_of
    forecast_total: float               # forecast of the months after as_of to December
    projected_total: float              # realised + forecast
    projected_lower: float
    projected_upper: float
    verdict: str                        # "Pagu Cukup" | "Pagu Kurang"
    run_out_month: pd.Period | None     # first month whose cumulative spending passes the pagu
    shortfall: float                    # projected_total - pagu when positive, else 0
    shortfall_lower: float
    shortfall_upper: float
    probability_short: float            # chance the year's spending passes the pagu (model-based)
    level: float
    model: str
    cluster: int | None
    fallback_note: str | None
    message: str
    monthly: pd.DataFrame = field(repr=False)  # bulan, realisasi, prediksi, bawah, atas, kumulatif(_bawah/_atas)
    # The satker's monthly bills up to as_of (PeriodIndex, rupiah) the forecast used: the chart draws them.
    history: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), repr=False)

    def to_dict(self) -> dict:
        """JSON-friendly form (months as 'YYYY-MM'); the history stays out."""
        d = asdict(replace(self, history=None))
        del d["history"]
        d["as_of"] = str(self.as_of)
        d["run_out_month"] = str(self.run_out_month) if self.run_out_month is not None else None
        d["monthly"] = [{**r, "bulan": str(r["bulan"])} for r in self.monthly.to_dict("records")]
        return d


def build_result(
    kode_satker: str, fc: SatkerForecast, history: pd.Series, pagu: float, as_of: pd.Period, *, akun: str = AKUN_LISTRIK,
) -> PaguForecastResult:
    """Combine realised bills (``history``: the satker's months, rupiah), a forecast and the pagu into the
    early warning; the result keeps the history up to ``as_of``."""
    tahun = fc.months[0].year if fc.months else as_of.year
    history = history[history.index <= as_of]
    hist = history.dropna()
    realised_months = [m for m in hist.index if m.year == tahun and m <= as_of]
    realised = float(hist.loc[realised_months].sum()) if realised_months else 0.0
    fmonths = [m for m in fc.months if m.year == tahun]
    sel = np.array([m.year == tahun for m in fc.months])
    mean, lower, upper = fc.mean[sel], fc.lower[sel], fc.upper[sel]
    full = len(fmonths) == len(fc.months)
    total, t_lo, t_hi, t_sd = (fc.total_mean, fc.total_lower, fc.total_upper, fc.total_sd) if full else \
        (float(mean.sum()), float(lower.sum()), float(upper.sum()), float(fc.total_sd))
    projected = realised + total
    verdict = pagu_verdict(pagu, projected)
    if fc.total_samples is not None and full:
        prob = float(np.mean(realised + fc.total_samples > pagu))
    else:
        prob = float(stats.norm.sf((pagu - projected) / t_sd)) if t_sd > 0 else float(projected > pagu)
    monthly = pd.DataFrame({
        "bulan": realised_months + fmonths,
        "realisasi": [float(hist.loc[m]) for m in realised_months] + [np.nan] * len(fmonths),
        "prediksi": [np.nan] * len(realised_months) + list(mean),
        "bawah": [np.nan] * len(realised_months) + list(lower),
        "atas": [np.nan] * len(realised_months) + list(upper),
    })
    monthly["kumulatif"] = monthly["realisasi"].fillna(0).add(monthly["prediksi"].fillna(0)).cumsum()
    cum_lo = fc.cum_lower[sel] if fc.cum_lower is not None else np.cumsum(lower)
    cum_hi = fc.cum_upper[sel] if fc.cum_upper is not None else np.cumsum(upper)
    monthly["kumulatif_bawah"] = [np.nan] * len(realised_months) + list(realised + cum_lo)
    monthly["kumulatif_atas"] = [np.nan] * len(realised_months) + list(realised + cum_hi)
    over = monthly.index[monthly["kumulatif"] > pagu]
    run_out = monthly.loc[over[0], "bulan"] if len(over) else None
    result = PaguForecastResult(
        kode_satker=kode_satker, akun=akun, tahun=int(tahun), as_of=as_of, pagu=int(pagu), realised=realised,
        forecast_total=total, projected_total=projected, projected_lower=realised + t_lo, projected_upper=realised + t_hi,
        verdict=verdict, run_out_month=run_out, shortfall=max(projected - pagu, 0.0),
        shortfall_lower=max(realised + t_lo - pagu, 0.0), shortfall_upper=max(realised + t_hi - pagu, 0.0),
        probability_short=prob, level=fc.level, model=fc.model, cluster=fc.cluster, fallback_note=fc.fallback_note,
        message="", monthly=monthly, history=history,
    )
    result.message = explain_pagu(result)
    return result


def explain_pagu(r: PaguForecastResult) -> str:
    """The early-warning sentence (Indonesian) for a KPA."""
    base = (f"Satker {r.kode_satker}, akun {r.akun} tahun {r.tahun} (data s.d. {nama_bulan(r.as_of)}): realisasi "
            f"{format_rupiah(r.realised)} + prediksi {format_rupiah(r.forecast_total)} = {format_rupiah(r.projected_total)} "
            f"terhadap pagu {format_rupiah(r.pagu)}.")
    band = f"selang {format_persen(r.level, 0)}: {format_rupiah(r.projected_lower)} s.d. {format_rupiah(r.projected_upper)}"
    if r.verdict == PAGU_KURANG:
        when = f" Pagu diperkirakan habis pada {nama_bulan(r.run_out_month)}." if r.run_out_month is not None else ""
        text = (f"{PAGU_KURANG}: {base}{when} Kekurangan sekitar {format_rupiah(r.shortfall)} "
                f"(antara {format_rupiah(r.shortfall_lower)} dan {format_rupiah(r.shortfall_upper)}); "
                f"segera siapkan revisi DIPA.")
    else:
        risk = ""
        if r.projected_upper > r.pagu:
            risk = (f" Namun batas atas ramalan ({band}) melewati pagu: peluang kurang "
                    f"{format_persen(r.probability_short, 0)}; pantau setiap bulan.")
        text = f"{PAGU_CUKUP}: {base} Sisa pagu diperkirakan {format_rupiah(r.pagu - r.projected_total)}.{risk}"
    if r.fallback_note:
        text += f" Catatan: {r.fallback_note}"
    return text


def forecast_pagu(
    kode_satker: object,
    *,
    as_of: object | None = None,
    repository=None,
    pipeline: PaguPipeline | None = None,
    pagu: float | None = None,
    akun: str = AKUN_LISTRIK,
    level: float = DEFAULT_LEVEL,
) -> PaguForecastResult:
    """The early warning for one satker. ``repository`` defaults to the service's (synthetic sample
    unless configured); ``as_of`` to its last month; ``pagu`` (rupiah) to the repository's pagu for the
    forecast year. The fitted pipeline is cached on the repository per ``as_of`` and level.

    The satker's bills are read once, here: the result carries them (``history``) for the chart. Raises
    InvalidInputError for a malformed code, SatkerNotFoundError for one without bills up to ``as_of``.
    """
    code = parse_kode_satker(kode_satker)  # a KodeSatker parsed at the edge passes through as it is
    if repository is None:
        from analytics.bills.repository import get_bill_repository

        repository = get_bill_repository()
    history = repository.satker_series(code)  # raises SatkerNotFoundError
    as_of_p = parse_periode(as_of) if as_of is not None else repository.last_month
    if as_of_p > repository.last_month:  # a forecast "as of" a month without data would pretend to know it
        raise InvalidInputError(f"data tagihan baru tersedia sampai {nama_bulan(repository.last_month)}; "
                                f"periode {nama_bulan(as_of_p)} belum dapat dipakai")
    if pipeline is None:
        pipeline = pagu_pipeline_for(repository, as_of_p, level=level)
    fc = pipeline.forecast_for(code)  # raises SatkerNotFoundError when no bill up to as_of
    tahun = fc.months[0].year if fc.months else as_of_p.year
    if pagu is None:
        pagu = repository.pagu_for(code, tahun, akun)
    return build_result(code, fc, history, float(pagu), as_of_p, akun=akun)


def pagu_pipeline_for(repository, as_of: pd.Period, *, level: float = DEFAULT_LEVEL) -> PaguPipeline:
    """Fit (once) and cache the pipeline for a repository and month."""
    cache = repository.__dict__.setdefault("_pagu_pipelines", {})
    key = (str(as_of), level)
    if key not in cache:
        cache[key] = PaguPipeline.fit(repository.satker_panel(), as_of, level=level)
    return cache[key]


def forecast_pagu_all(repository, as_of: object | None = None, *, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
    """The monthly run for every satker that has a pagu: one row per satker with verdict and shortfall."""
    as_of_p = parse_periode(as_of) if as_of is not None else repository.last_month
    pipe = pagu_pipeline_for(repository, as_of_p, level=level)
    rows = []
    for code, fc in pipe.forecasts.items():
        tahun = fc.months[0].year if fc.months else as_of_p.year
        try:
            pagu = repository.pagu_for(code, tahun)
        except Exception:  # no pagu line: nothing to compare
            continue
        r = build_result(code, fc, repository.satker_series(code), float(pagu), as_of_p)
        rows.append({"kode_satker": code, "tahun": r.tahun, "pagu": r.pagu, "realisasi": r.realised,
                     "proyeksi": r.projected_total, "bawah": r.projected_lower, "atas": r.projected_upper,
                     "keterangan": r.verdict, "habis_bulan": r.run_out_month, "kekurangan": r.shortfall,
                     "peluang_kurang": r.probability_short, "model": r.model, "catatan": r.fallback_note})
    return pd.DataFrame(rows)
