"""Where the bill and pagu data come from, and the questions the actions ask of it.

By default the shipped SYNTHETIC sample (``analytics/data/*_sintetis.csv``); a real SAKTI export when
settings name one (``HAI_BILLS_PATH`` / ``HAI_PAGU_PATH``). Unknown ids raise typed not-found errors
with Indonesian messages ("idpel 123456789012 tidak ditemukan ...").
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.bills.io import LoadResult, load_bill_export, load_pagu
from analytics.ids import parse_idpel, parse_kode_satker, parse_periode
from analytics.bills.schema import AKUN, AKUN_LISTRIK, IDPEL, KODE_SATKER, NILAI, PAGU, PERIODE, SINTETIS, TAHUN
from analytics.errors import NotFoundError, SatkerNotFoundError, IdpelNotFoundError
from analytics.bills.synthetic import BILLS_FILE, DATA_DIR, PAGU_FILE

if TYPE_CHECKING:
    from hai.settings import Settings


class BillRepository:
    """Bill history (one row per idpel and month, rupiah) and pagu (per satker, akun, year)."""

    def __init__(self, bills: pd.DataFrame, pagu: pd.DataFrame | None = None, *, source: str = "",
                 load_errors: list | None = None) -> None:
        self.bills = bills.sort_values([IDPEL, PERIODE], kind="stable").reset_index(drop=True)
        self.pagu = pagu if pagu is not None else pd.DataFrame(columns=[KODE_SATKER, AKUN, TAHUN, PAGU])
        self.source = source
        self.load_errors = list(load_errors or [])
        self._by_idpel = {k: v for k, v in self.bills.groupby(IDPEL, sort=False).indices.items()}
        self._satker_idpel = self.bills.groupby(KODE_SATKER)[IDPEL].unique().to_dict()
        self._panel: pd.DataFrame | None = None

    # --- construction ------------------------------------------------------------------------------
    @classmethod
    def from_files(cls, bills_path: str | Path, pagu_path: str | Path | None = None) -> "BillRepository":
        bills: LoadResult = load_bill_export(bills_path)
        pagu = load_pagu(pagu_path) if pagu_path else None
        errors = bills.errors + (pagu.errors if pagu else [])
        return cls(bills.frame, pagu.frame if pagu else None, source=str(bills_path), load_errors=errors)

    @classmethod
    def sample(cls) -> "BillRepository":
        """The shipped synthetic sample (labelled: column ``sintetis`` = 1)."""
        return cls.from_files(DATA_DIR / BILLS_FILE, DATA_DIR / PAGU_FILE)

    @classmethod
    def from_settings(cls, settings: "Settings") -> "BillRepository":
        """The service's repository: the real export when settings name one (``bills_path``, with
        ``pagu_path``), else the synthetic sample."""
        if not settings.bills_path:
            return cls.sample()
        return cls.from_files(settings.bills_path, settings.pagu_path or None)

    @property
    def is_synthetic(self) -> bool:
        return SINTETIS in self.bills.columns and bool((self.bills[SINTETIS] == 1).any())

    # --- questions ---------------------------------------------------------------------------------
    def history_for_idpel(self, idpel: object) -> pd.DataFrame:
        """All bills of one idpel, oldest first: columns kode_satker, idpel, periode, nilai_tagihan (rupiah)."""
        key = parse_idpel(idpel)
        rows = self._by_idpel.get(key)
        if rows is None:
            raise IdpelNotFoundError(key)
        return self.bills.iloc[rows].reset_index(drop=True)

    def satker_of_idpel(self, idpel: object) -> str:
        return str(self.history_for_idpel(idpel)[KODE_SATKER].iloc[-1])

    def idpels_of_satker(self, kode_satker: object) -> list[str]:
        key = parse_kode_satker(kode_satker)
        if key not in self._satker_idpel:
            raise SatkerNotFoundError(key)
        return sorted(map(str, self._satker_idpel[key]))

    def satker_codes(self) -> list[str]:
        return sorted(map(str, self._satker_idpel))

    @property
    def last_month(self) -> pd.Period:
        return self.bills[PERIODE].max()

    def month_bills(self, month: object) -> pd.DataFrame:
        """Every bill of one month (all satker)."""
        p = parse_periode(month)
        return self.bills[self.bills[PERIODE] == p]

    def satker_panel(self) -> pd.DataFrame:
        """Monthly electricity spending per satker (rows: kode satker, columns: months; rupiah).

        A month where one of a satker's idpel has no bill between two billed months counts that idpel's
        previous bill (the bill exists, it just did not come through PPP); months before an idpel's first
        or after its last bill count nothing. Months with no bill at all for the satker stay NaN.
        """
        if self._panel is None:
            wide = self.bills.pivot_table(index=IDPEL, columns=PERIODE, values=NILAI, aggfunc="first")
            full = pd.period_range(wide.columns.min(), wide.columns.max(), freq="M")
            wide = wide.reindex(columns=full).ffill(axis=1, limit_area="inside")
            sat = self.bills.drop_duplicates(IDPEL).set_index(IDPEL)[KODE_SATKER]
            panel = wide.groupby(sat.reindex(wide.index).to_numpy()).sum(min_count=1)
            panel.index.name = KODE_SATKER
            self._panel = panel
        return self._panel

    def satker_series(self, kode_satker: object) -> pd.Series:
        """Monthly spending of one satker (PeriodIndex, rupiah), see :meth:`satker_panel`."""
        key = parse_kode_satker(kode_satker)
        panel = self.satker_panel()
        if key not in panel.index:
            raise SatkerNotFoundError(key)
        s = panel.loc[key]
        first, last = s.first_valid_index(), s.last_valid_index()
        return s.loc[first:last].rename(key)

    def pagu_for(self, kode_satker: object, tahun: int, akun: str = AKUN_LISTRIK) -> int:
        """The pagu (rupiah) of a satker's akun in a budget year."""
        key = parse_kode_satker(kode_satker)
        p = self.pagu
        hit = p[(p[KODE_SATKER] == key) & (p[AKUN] == akun) & (p[TAHUN] == int(tahun))]
        if hit.empty:
            raise NotFoundError(f"pagu akun {akun} tahun {tahun} untuk satker {key} tidak ditemukan")
        return int(hit[PAGU].iloc[0])

    def pagu_table(self, tahun: int, akun: str = AKUN_LISTRIK) -> pd.Series:
        """Pagu per satker for one year (index kode satker, rupiah)."""
        p = self.pagu
        sel = p[(p[AKUN] == akun) & (p[TAHUN] == int(tahun))]
        return pd.Series(sel[PAGU].to_numpy(dtype=np.int64), index=sel[KODE_SATKER].astype(str).to_numpy(), name=PAGU)


@lru_cache(maxsize=1)
def get_bill_repository() -> BillRepository:
    """The shipped synthetic sample, loaded once on first use (never at import): the default of the
    functions that take an optional repository. The services pass the one built from their settings
    (``BillRepository.from_settings``)."""
    return BillRepository.sample()
