"""Is this electricity bill reasonable? One bill against its customer's history (seed 002, domain §1).

``check_bill_fairness(history, new_bill)`` gives a :class:`BillFairnessResult`: the verdict "wajar",
"tidak wajar" or "belum dapat dinilai", the statistics of the history window, the bill's deviation from
each, and the reason in one Indonesian sentence that a PPK can act on. The rules live in
:mod:`analytics.bills.rules`; the batch scorer uses the same ones.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analytics.bills.rules import (
    BELUM_DAPAT_DINILAI, DEFAULT_THRESHOLD, DEFAULT_WINDOW, MIN_HISTORY, ROBUST_Z, SPREAD_WINDOW, STAT_LABELS,
    STAT_NAMES, TIDAK_WAJAR, VERDICTS, WAJAR, Method, score_windows,
)
from analytics.ids import nama_bulan, parse_periode, period_to_month
from analytics.bills.schema import NILAI, PERIODE
from analytics.errors import InvalidInputError
from analytics.money import format_persen, format_rupiah, parse_bill_amount

__all__ = ["BillFairnessResult", "BillStatistics", "check_bill_fairness", "check_idpel_bill", "explain_verdict",
           "WAJAR", "TIDAK_WAJAR", "BELUM_DAPAT_DINILAI"]


@dataclass(frozen=True)
class BillStatistics:
    """Descriptive statistics of the history window, rupiah (modus None when no value repeats)."""

    n_bulan: int
    rata_rata: float | None
    median: float | None
    modus: float | None
    minimum: float | None
    maksimum: float | None
    simpangan_baku: float | None
    mad: float | None


@dataclass(frozen=True)
class BillFairnessResult:
    """The judgement of one bill. Deviations are fractions ((bill - statistic) / statistic)."""

    verdict: str                       # "wajar" | "tidak wajar" | "belum dapat dinilai"
    reason: str                        # one Indonesian sentence
    method: str                        # "paper" | "robust"
    nilai_tagihan: int                 # rupiah
    periode: pd.Period | None
    window: int                        # months looked back
    threshold: float                   # fraction, 0.2 = 20 %
    statistics: BillStatistics
    deviations: dict[str, float | None] = field(default_factory=dict)
    z_score: float | None = None       # standard deviations from the mean
    robust_z: float | None = None      # log distance from the median in robust spreads (MAD of log bills)
    basis: str | None = None           # the statistic that decided a "tidak wajar"
    idpel: str | None = None

    @property
    def needs_manual_check(self) -> bool:
        return self.verdict != WAJAR

    def to_dict(self) -> dict:
        """JSON-friendly form (periode as 'YYYY-MM')."""
        d = asdict(self)
        d["periode"] = str(self.periode) if self.periode is not None else None
        return d


def _num(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


_HISTORY = "nilai tagihan riwayat"


def _history_points(history: object) -> tuple[list[pd.Period | None], list[int]]:
    """Accept amounts (oldest first), a Series indexed by month, a frame with periode/nilai_tagihan,
    or (periode, amount) pairs; return parallel lists of months (or None) and rupiah."""
    if isinstance(history, pd.DataFrame):
        if NILAI not in history.columns:
            raise InvalidInputError(f"riwayat tagihan harus punya kolom {NILAI!r}")
        periods = [parse_periode(p) for p in history[PERIODE]] if PERIODE in history.columns else [None] * len(history)
        return periods, [parse_bill_amount(v, what=_HISTORY) for v in history[NILAI]]
    if isinstance(history, pd.Series):
        has_periods = not isinstance(history.index, pd.RangeIndex)
        periods = [parse_periode(p) for p in history.index] if has_periods else [None] * len(history)
        return periods, [parse_bill_amount(v, what=_HISTORY) for v in history.to_numpy()]
    if isinstance(history, Mapping):
        return [parse_periode(p) for p in history], [parse_bill_amount(v, what=_HISTORY) for v in history.values()]
    if isinstance(history, (str, bytes)) or not isinstance(history, Iterable):
        raise InvalidInputError("riwayat tagihan harus berupa daftar nilai tagihan")
    periods, amounts = [], []
    for item in history:
        if isinstance(item, tuple) and len(item) == 2:
            periods.append(parse_periode(item[0]))
            amounts.append(parse_bill_amount(item[1], what=_HISTORY))
        else:
            periods.append(None)
            amounts.append(parse_bill_amount(item, what=_HISTORY))
    return periods, amounts


def _window_row(periods: list, amounts: list[int], new_period: pd.Period | None, window: int) -> np.ndarray:
    row = np.full(window, np.nan)
    if new_period is not None and all(p is not None for p in periods):
        target = period_to_month(new_period)
        seen: set[int] = set()
        for p, a in zip(periods, amounts):
            m = period_to_month(p)
            if m in seen:
                raise InvalidInputError(f"riwayat tagihan memuat periode ganda: {nama_bulan(p)}")
            seen.add(m)
            back = target - m  # 1 = the month before the new bill
            if 1 <= back <= window:
                row[window - back] = a
        return row
    last = amounts[-window:]
    row[window - len(last):] = last
    return row


def check_bill_fairness(
    history: object,
    new_bill: object,
    *,
    window: int = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
    method: Method = "paper",
    min_history: int = MIN_HISTORY,
    spread_window: int = SPREAD_WINDOW,
    periode: object | None = None,
    idpel: str | None = None,
) -> BillFairnessResult:
    """Judge one new bill (rupiah; a number or text like "Rp 12.500.000") against its history.

    With months on the history and ``periode`` (or a ``(periode, amount)`` new bill) the window is the
    ``window`` calendar months before that month; otherwise the last ``window`` amounts. Fewer than
    ``min_history`` months in the window gives "belum dapat dinilai", never a guess. The robust method
    reads its spread from the last ``spread_window`` months.
    """
    if not isinstance(window, int) or window < 1:
        raise InvalidInputError(f"jendela riwayat harus bilangan bulat positif (bulan): {window!r}")
    if isinstance(new_bill, tuple) and len(new_bill) == 2:
        periode, new_bill = new_bill
    new_period = parse_periode(periode) if periode is not None else None
    amount = parse_bill_amount(new_bill)
    periods, amounts = _history_points(history)
    long_row = _window_row(periods, amounts, new_period, max(window, spread_window))
    row = long_row[-window:]
    res = score_windows(np.array([amount]), row[None, :], spread_windows=long_row[None, -spread_window:],
                        threshold=threshold, method=method, min_history=min_history)
    stats = BillStatistics(n_bulan=int(res["n"][0]), **{k: _num(res[k][0]) for k in
                           ("rata_rata", "median", "modus", "minimum", "maksimum", "simpangan_baku", "mad")})
    deviations = {name: _num(res[f"dev_{name}"][0]) for name in STAT_NAMES}
    verdict = VERDICTS[int(res["verdict"][0])]
    basis = STAT_NAMES[int(res["basis"][0])] if res["basis"][0] >= 0 else None
    result = BillFairnessResult(
        verdict=verdict, reason="", method=method, nilai_tagihan=amount, periode=new_period, window=window,
        threshold=threshold, statistics=stats, deviations=deviations, z_score=_num(res["z"][0]),
        robust_z=_num(res["robust_z"][0]), basis=basis, idpel=idpel,
    )
    return _with_reason(result, min_history)


def check_idpel_bill(
    idpel: object, new_bill: object, *, periode: object | None = None, repository=None, **options,
) -> BillFairnessResult:
    """Judge a new bill of a known idpel against its history in the repository (the shipped sample by default).

    ``periode`` defaults to the month after the idpel's last bill; bills from that month on are not history.
    Raises IdpelNotFoundError ("idpel ... tidak ditemukan") for an unknown idpel.
    """
    if repository is None:
        from analytics.bills.repository import get_bill_repository

        repository = get_bill_repository()
    hist = repository.history_for_idpel(idpel)
    target = parse_periode(periode) if periode is not None else hist[PERIODE].max() + 1
    past = hist[hist[PERIODE] < target][[PERIODE, NILAI]]
    return check_bill_fairness(past, new_bill, periode=target, idpel=str(hist["idpel"].iloc[0]), **options)


def _with_reason(r: BillFairnessResult, min_history: int) -> BillFairnessResult:
    from dataclasses import replace

    return replace(r, reason=explain_verdict(
        verdict=r.verdict, method=r.method, amount=r.nilai_tagihan, window=r.window, threshold=r.threshold,
        n_history=r.statistics.n_bulan, mean=r.statistics.rata_rata, median=r.statistics.median,
        dev_mean=r.deviations.get("rata_rata"), dev_median=r.deviations.get("median"), basis=r.basis,
        deviation_basis=r.deviations.get(r.basis) if r.basis else None,
        basis_value=getattr(r.statistics, r.basis) if r.basis else None, mad=r.statistics.mad,
        min_history=min_history, periode=r.periode,
    ))


def _signed(dev: float) -> str:
    return f"{'+' if dev >= 0 else ''}{format_persen(dev)}"


def explain_verdict(
    *, verdict: str, method: str, amount: float, window: int, threshold: float, n_history: int,
    mean: float | None, median: float | None, dev_mean: float | None, dev_median: float | None,
    basis: str | None = None, deviation_basis: float | None = None, basis_value: float | None = None,
    mad: float | None = None, min_history: int = MIN_HISTORY, periode: pd.Period | None = None,
) -> str:
    """The reason sentence (Indonesian) for a verdict; used for one bill and for batch rows on demand."""
    bill = f"Tagihan {nama_bulan(periode)} " if periode is not None else "Tagihan "
    bill += format_rupiah(amount)
    if verdict == BELUM_DAPAT_DINILAI:
        return (f"{bill} belum dapat dinilai: baru ada {n_history} bulan tagihan dalam {window} bulan "
                f"sebelumnya (minimal {min_history}); periksa tagihan ini secara manual.")
    if verdict == TIDAK_WAJAR and basis is not None and deviation_basis is not None:
        arah = "di atas" if deviation_basis > 0 else "di bawah"
        extra = ""
        if method == "robust":
            extra = f" dan lebih dari {ROBUST_Z:g} kali sebaran biasa tagihan idpel ini"
        return (f"{bill} tidak wajar: {format_persen(abs(deviation_basis))} {arah} {STAT_LABELS[basis]} "
                f"{window} bulan sebelumnya ({format_rupiah(basis_value)}), melebihi ambang "
                f"{format_persen(threshold)}{extra}; PPK perlu menguji tagihan ini secara manual.")
    parts = []
    if method == "paper" and dev_mean is not None:
        parts.append(f"{_signed(dev_mean)} dari rata-rata ({format_rupiah(mean)})")
    if dev_median is not None:
        parts.append(f"{_signed(dev_median)} dari median ({format_rupiah(median)})")
    why = " dan ".join(parts)
    if method == "robust" and dev_median is not None and abs(dev_median) > threshold:
        return (f"{bill} wajar: {why} {window} bulan sebelumnya; selisihnya melewati ambang "
                f"{format_persen(threshold)} tetapi masih dalam sebaran biasa tagihan idpel ini.")
    return f"{bill} wajar: {why} {window} bulan sebelumnya, dalam ambang {format_persen(threshold)}."
