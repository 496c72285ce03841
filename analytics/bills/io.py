"""Loaders for the SAKTI PLN bill export and for pagu per satker and akun (CSV or XLSX).

Every bad row is reported with its line (header = line 1; in a spreadsheet, its row number) and the
good rows are loaded. Checks (the parsers of ``analytics.ids``, the same as the chat's and the API's):
kode satker 6 digits, idpel 12 digits, a readable month; and an amount in
Indonesian notation ("3.648.730.000", "Rp 1.250.000") above zero, no second row for the same idpel and
month (or satker, akun and year for pagu). Personal-data columns (nip, names) are never loaded.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.ids import nama_bulan, parse_idpel, parse_kode_satker, parse_periode_series
from analytics.bills.schema import AKUN, ANOMALI, BILL_ALIASES, IDPEL, KODE_SATKER, NILAI, PAGU, PAGU_ALIASES, PERIODE, PERSONAL_COLUMNS, SINTETIS, TAHUN, resolve_columns
from analytics.errors import DataFileError, InvalidInputError, RowError
from analytics.money import format_rupiah, parse_rupiah_series

_ORDINAL_1970 = 1970 * 12
_EXTRA_BILL_COLUMNS = ("tarif", "daya", ANOMALI, SINTETIS)


@dataclass
class LoadResult:
    """``frame``: the good rows in canonical columns plus ``baris`` (source line); ``errors``: one per
    problem, in line order; ``n_rows``: data rows read."""

    frame: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    n_rows: int = 0
    source: str = ""

    @property
    def n_bad_rows(self) -> int:
        return len({e.line for e in self.errors})

    def summary(self) -> str:
        """One Indonesian line for a person: how many rows loaded, how many refused."""
        text = f"{len(self.frame)} dari {self.n_rows} baris dimuat dari {self.source or 'berkas'}"
        if self.errors:
            text += f"; {self.n_bad_rows} baris ditolak (contoh: {self.errors[0]})"
        return text


def read_table(source: str | Path | bytes | io.IOBase, *, sheet: int | str = 0) -> tuple[pd.DataFrame, str]:
    """Read a CSV (separator ; , tab or | sniffed) or an XLSX into a frame of raw cells (text for CSV)."""
    name = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "unggahan")
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise DataFileError(f"berkas tidak ditemukan: {path}")
        raw = path.read_bytes()
    elif isinstance(source, bytes):
        raw = source
    else:
        raw = source.read()
        raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    if raw[:4] == b"PK\x03\x04":  # XLSX is a zip
        try:
            frame = pd.read_excel(io.BytesIO(raw), sheet_name=sheet, dtype=object)
        except Exception as exc:  # openpyxl raises many kinds; the user needs one message
            raise DataFileError(f"berkas Excel tidak dapat dibaca ({name}): {exc}") from exc
        return frame, name
    text = raw.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0]
    try:
        sep = csv.Sniffer().sniff(first, delimiters=";,\t|").delimiter
    except csv.Error:
        sep = ";" if first.count(";") > first.count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, UnicodeError) as exc:
        raise DataFileError(f"berkas CSV tidak dapat dibaca ({name}): {exc}") from exc
    return frame, name


def _ids(values: pd.Series, normalize) -> tuple[np.ndarray, dict[int, str]]:
    out = np.empty(len(values), dtype=object)
    errors: dict[int, str] = {}
    cache: dict[object, str] = {}
    for pos, cell in enumerate(values.astype(object).to_numpy()):
        key = cell if not (isinstance(cell, float) and np.isnan(cell)) else ""
        if key not in cache:
            try:
                cache[key] = normalize(key)
            except InvalidInputError as exc:
                cache[key] = "!" + exc.message
        hit = cache[key]
        if hit.startswith("!"):
            errors[pos] = hit[1:]
        out[pos] = hit
    return out, errors


def _require(frame: pd.DataFrame, aliases: dict[str, tuple[str, ...]], what: str) -> dict[str, str]:
    found = resolve_columns(list(frame.columns), aliases)
    missing = [c for c in aliases if c not in found]
    if missing:
        raise DataFileError(f"kolom wajib tidak ada pada {what}: {', '.join(missing)} "
                            f"(kolom yang ada: {', '.join(map(str, frame.columns[:12]))})")
    return found


def _collect(errors: list[RowError], per_column: dict[str, dict[int, str]]) -> np.ndarray:
    bad = set()
    for column, errs in per_column.items():
        for pos, msg in errs.items():
            errors.append(RowError(line=pos + 2, column=column, message=msg))
            bad.add(pos)
    return np.array(sorted(bad), dtype=np.int64)


def load_bill_export(source: str | Path | bytes | io.IOBase, *, sheet: int | str = 0) -> LoadResult:
    """Load a SAKTI PLN bill export (the columns of seed 002; only KODE_SATKER, NO_PELANGGAN/idpel,
    PERIODE_TAGIHAN and NILAI_TAGIHAN are required). Amounts in rupiah; months as monthly Periods."""
    raw, name = read_table(source, sheet=sheet)
    cols = _require(raw, BILL_ALIASES, "data tagihan")
    n = len(raw)
    satker, e_satker = _ids(raw[cols[KODE_SATKER]], parse_kode_satker)
    idpel, e_idpel = _ids(raw[cols[IDPEL]], parse_idpel)
    months, e_month = parse_periode_series(raw[cols[PERIODE]])
    amounts, e_amount = parse_rupiah_series(raw[cols[NILAI]])
    for pos in np.flatnonzero(np.isfinite(amounts) & (amounts <= 0)):
        e_amount[int(pos)] = f"nilai tagihan harus lebih dari 0: {format_rupiah(amounts[pos])}"
    errors: list[RowError] = []
    per_col = {cols[KODE_SATKER]: e_satker, cols[IDPEL]: e_idpel, cols[PERIODE]: e_month, cols[NILAI]: e_amount}
    bad = _collect(errors, per_col)
    good = np.ones(n, dtype=bool)
    good[bad] = False
    # A second row for the same idpel and month: refused, pointing at the first.
    key = pd.Series(idpel, dtype=object) + ":" + pd.Series(months).astype(str)
    dup = key.duplicated(keep="first").to_numpy() & good
    if dup.any():
        first_line = {k: i + 2 for i, k in reversed(list(enumerate(key.to_numpy()))) if good[i]}
        for pos in np.flatnonzero(dup):
            p = pd.Period(ordinal=int(months[pos]) - _ORDINAL_1970, freq="M")
            errors.append(RowError(line=int(pos) + 2, column=cols[PERIODE], message=(
                f"periode ganda: idpel {idpel[pos]} bulan {nama_bulan(p)} sudah ada di baris {first_line[key[pos]]}")))
        good &= ~dup
    errors.sort(key=lambda e: e.line)
    idx = np.flatnonzero(good)
    frame = pd.DataFrame({
        KODE_SATKER: pd.array(satker[idx].astype(str), dtype="str"),
        IDPEL: pd.array(idpel[idx].astype(str), dtype="str"),
        PERIODE: pd.arrays.PeriodArray(months[idx] - _ORDINAL_1970, dtype="period[M]"),
        NILAI: amounts[idx].astype(np.int64),
        "baris": idx + 2,
    })
    lower = {str(c).strip().lower(): c for c in raw.columns}
    for extra in _EXTRA_BILL_COLUMNS:
        if extra in lower and extra not in PERSONAL_COLUMNS:
            values = raw[lower[extra]].to_numpy()[idx]
            frame[extra] = pd.to_numeric(values, errors="coerce") if extra in ("daya", SINTETIS) else values
    if ANOMALI in frame.columns:
        frame[ANOMALI] = frame[ANOMALI].fillna("").astype(str)
    return LoadResult(frame=frame, errors=errors, n_rows=n, source=name)


def load_pagu(source: str | Path | bytes | io.IOBase, *, sheet: int | str = 0) -> LoadResult:
    """Load pagu per satker, akun and year (columns kode_satker, akun, tahun, pagu; rupiah)."""
    raw, name = read_table(source, sheet=sheet)
    cols = _require(raw, PAGU_ALIASES, "data pagu")
    n = len(raw)
    satker, e_satker = _ids(raw[cols[KODE_SATKER]], parse_kode_satker)

    def _akun(v: object) -> str:
        text = str(int(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v else str(v).strip()
        if not (text.isdigit() and len(text) == 6):
            raise InvalidInputError(f"kode akun harus 6 digit: {text!r}")
        return text

    def _tahun(v: object) -> str:
        text = str(int(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v else str(v).strip()
        if not (text.isdigit() and 1990 <= int(text) <= 2100):
            raise InvalidInputError(f"tahun anggaran tidak dikenali: {text!r}")
        return text

    akun, e_akun = _ids(raw[cols[AKUN]], _akun)
    tahun, e_tahun = _ids(raw[cols[TAHUN]], _tahun)
    amounts, e_amount = parse_rupiah_series(raw[cols[PAGU]])
    for pos in np.flatnonzero(np.isfinite(amounts) & (amounts <= 0)):
        e_amount[int(pos)] = f"pagu harus lebih dari 0: {format_rupiah(amounts[pos])}"
    errors: list[RowError] = []
    bad = _collect(errors, {cols[KODE_SATKER]: e_satker, cols[AKUN]: e_akun, cols[TAHUN]: e_tahun, cols[PAGU]: e_amount})
    good = np.ones(n, dtype=bool)
    good[bad] = False
    key = pd.Series(satker, dtype=object) + ":" + pd.Series(akun, dtype=object) + ":" + pd.Series(tahun, dtype=object)
    dup = key.duplicated(keep="first").to_numpy() & good
    for pos in np.flatnonzero(dup):
        errors.append(RowError(line=int(pos) + 2, column=cols[PAGU],
                               message=f"pagu ganda: satker {satker[pos]} akun {akun[pos]} tahun {tahun[pos]}"))
    good &= ~dup
    errors.sort(key=lambda e: e.line)
    idx = np.flatnonzero(good)
    frame = pd.DataFrame({
        KODE_SATKER: pd.array(satker[idx].astype(str), dtype="str"),
        AKUN: pd.array(akun[idx].astype(str), dtype="str"),
        TAHUN: tahun[idx].astype(np.int64),
        PAGU: amounts[idx].astype(np.int64),
        "baris": idx + 2,
    })
    lower = {str(c).strip().lower(): c for c in raw.columns}
    if "cukup_aktual" in lower:  # synthetic ground truth: realised year total <= pagu
        text = raw[lower["cukup_aktual"]].astype(str).str.strip().str.lower().to_numpy()[idx]
        frame["cukup_aktual"] = pd.array([True if t in ("true", "1") else False if t in ("false", "0") else None
                                          for t in text], dtype="boolean")
    if SINTETIS in lower:
        frame[SINTETIS] = pd.to_numeric(raw[lower[SINTETIS]].to_numpy()[idx], errors="coerce")
    return LoadResult(frame=frame, errors=errors, n_rows=n, source=name)
