"""Read a satker-month export (CSV/XLSX) for the reconciliation-risk model, validating row by row.

Expected columns (header names are matched case-insensitively; spaces and dashes count as ``_``):
``kode_satker, periode`` then the 20 attributes of ``rekon_schema.ATTRIBUTES`` and, for training,
``status_rekon`` (OK / SELISIH). Amounts are rupiah as numbers or Indonesian text ("Rp1.250.000").
A bad cell rejects its row with a line-numbered ``RowError``; the good rows are returned.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.ids import month_to_period, parse_kode_satker, parse_periode_series
from analytics.errors import DataFileError, InvalidInputError, RowError
from analytics.money import parse_rupiah_series
from analytics.rekon.schema import (
    ATTRIBUTES,
    CLASSES,
    EXPORT_COLUMNS,
    FEATURE_COLUMNS,
    ID_COLUMNS,
    KEWENANGAN,
    LABEL_COLUMN,
    SOURCE_COLUMN,
    TIDAK_ADA,
)

_KEWENANGAN_ALIASES = {
    "": TIDAK_ADA,
    "0": TIDAK_ADA,
    "-": TIDAK_ADA,
    "NONE": TIDAK_ADA,
    "NAN": TIDAK_ADA,
    "TIDAK_ADA": TIDAK_ADA,
    "TIDAKADA": TIDAK_ADA,
}


@dataclass
class RekonLoadResult:
    """Validated rows (canonical columns, kode_satker 6-digit text, periode 'YYYY-MM') and the bad rows."""

    frame: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)

    @property
    def n_bad_rows(self) -> int:
        return len({e.line for e in self.errors})


def _canon(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def read_table(source) -> pd.DataFrame:
    """A CSV (``;`` or ``,`` separated, optionally .gz) or XLSX file as text-preserving DataFrame."""
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.exists():
        raise DataFileError(f"berkas tidak ditemukan: {path}")
    suffixes = "".join(path.suffixes).lower()
    try:
        if suffixes.endswith((".xlsx", ".xlsm", ".xls")):
            return pd.read_excel(path, dtype=object)
        if suffixes.endswith((".csv", ".csv.gz", ".txt")):
            opener = pd.io.common.get_handle(path, "r", compression="infer", encoding="utf-8-sig")
            with opener as handle:
                text = handle.handle.read()
            first = text.split("\n", 1)[0]
            sep = ";" if first.count(";") > first.count(",") else ","
            return pd.read_csv(
                io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL
            )
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"berkas {path.name} tidak dapat dibaca: {exc}") from exc
    raise DataFileError(f"format berkas {path.name} tidak didukung; gunakan CSV atau XLSX")


def check_header(columns, require_label: bool) -> dict[str, str]:
    """Map canonical column -> the file's column; raise DataFileError listing the expected columns."""
    by_canon = {}
    for col in columns:
        by_canon.setdefault(_canon(col), col)
    needed = [*ID_COLUMNS, *FEATURE_COLUMNS] + ([LABEL_COLUMN] if require_label else [])
    missing = [c for c in needed if c not in by_canon]
    if missing:
        raise DataFileError(
            "kolom berkas tidak sesuai; tidak ada kolom: "
            + ", ".join(missing)
            + ". Kolom yang diharapkan: "
            + ", ".join(needed)
        )
    found = {c: by_canon[c] for c in needed}
    if LABEL_COLUMN in by_canon:
        found[LABEL_COLUMN] = by_canon[LABEL_COLUMN]
    if SOURCE_COLUMN in by_canon:
        found[SOURCE_COLUMN] = by_canon[SOURCE_COLUMN]
    return found


def _is_blank(cell) -> bool:
    return (
        cell is None
        or (isinstance(cell, float) and np.isnan(cell))
        or (isinstance(cell, str) and not cell.strip())
    )


def _parse_numbers(series: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    """Plain digit strings take a fast path; the rest ("Rp1.250.000", "1,5 M") goes to the money parser."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return parse_rupiah_series(series)
    text = series.astype(str).str.strip()
    plain = text.str.fullmatch(r"\d{1,16}").fillna(False).to_numpy(dtype=bool)
    values = np.full(len(series), np.nan)
    values[plain] = pd.to_numeric(text[plain]).to_numpy(dtype=float)
    errors: dict[int, str] = {}
    if (~plain).any():
        rest = np.flatnonzero(~plain)
        parsed, errs = parse_rupiah_series(series.iloc[rest].reset_index(drop=True))
        values[rest] = parsed
        errors = {int(rest[k]): msg for k, msg in errs.items()}
    return values, errors


def load_rekon_export(source, require_label: bool = False) -> RekonLoadResult:
    """Validate an export (path or DataFrame). Line numbers count the header as line 1."""
    raw = read_table(source)
    cols = check_header(list(raw.columns), require_label)
    n = len(raw)
    bad: dict[int, list[RowError]] = {}

    def flag(pos: int, column: str, message: str) -> None:
        bad.setdefault(pos, []).append(RowError(line=pos + 2, column=column, message=message))

    out = pd.DataFrame(index=range(n))
    kode = []
    for pos, cell in enumerate(raw[cols["kode_satker"]].tolist()):
        try:
            kode.append(parse_kode_satker(cell))
        except InvalidInputError as exc:
            kode.append(None)
            flag(pos, "kode_satker", exc.message)
    out["kode_satker"] = kode
    months, errs = parse_periode_series(raw[cols["periode"]].reset_index(drop=True))
    for pos, msg in errs.items():
        flag(pos, "periode", msg.replace("periode tagihan", "periode"))
    out["periode"] = [str(month_to_period(m)) if m >= 0 else None for m in months]

    for attr in ATTRIBUTES:
        series = raw[cols[attr.column]].reset_index(drop=True)
        if attr.kind == "kewenangan":
            values = []
            for pos, cell in enumerate(series.tolist()):
                text = "" if _is_blank(cell) else str(cell).strip().upper()
                text = _KEWENANGAN_ALIASES.get(text, text)
                if text not in KEWENANGAN:
                    flag(
                        pos,
                        attr.column,
                        f"jenis kewenangan {text!r} tidak dikenal (pilihan: {', '.join(KEWENANGAN)})",
                    )
                    text = None
                values.append(text)
            out[attr.column] = values
            continue
        values, errs = _parse_numbers(series)
        for pos, msg in errs.items():
            flag(
                pos,
                attr.column,
                msg if attr.kind == "amount" else f"{attr.label} harus bilangan bulat: {series[pos]!r}",
            )
        finite = np.isfinite(values)
        for pos in np.flatnonzero(finite & ((values < attr.lo) | (values > attr.hi))):
            unit = "rupiah" if attr.kind == "amount" else ""
            flag(
                int(pos),
                attr.column,
                f"{attr.label} di luar rentang {attr.lo:g}..{attr.hi:g} {unit}: {values[pos]:g}".replace(
                    "  ", " "
                ).rstrip(),
            )
        if attr.kind == "count":
            for pos in np.flatnonzero(finite & (values != np.round(values))):
                flag(int(pos), attr.column, f"{attr.label} harus bilangan bulat: {series[pos]!r}")
        out[attr.column] = values

    if LABEL_COLUMN in cols:
        labels = []
        for pos, cell in enumerate(raw[cols[LABEL_COLUMN]].reset_index(drop=True).tolist()):
            text = "" if _is_blank(cell) else str(cell).strip().upper()
            if text not in CLASSES:
                if require_label or text:
                    flag(pos, LABEL_COLUMN, f"status rekonsiliasi harus OK atau SELISIH: {text!r}")
                text = None
            labels.append(text)
        out[LABEL_COLUMN] = labels
    if SOURCE_COLUMN in cols:
        out[SOURCE_COLUMN] = raw[cols[SOURCE_COLUMN]].reset_index(drop=True).astype(str).to_numpy()

    good = np.array([pos not in bad for pos in range(n)], dtype=bool)
    frame = out.loc[good].reset_index(drop=True)
    for col in FEATURE_COLUMNS:
        if col != "jenis_kewenangan":
            frame[col] = frame[col].astype(float)
    for attr in ATTRIBUTES:
        if attr.kind == "count":
            frame[attr.column] = frame[attr.column].astype(np.int64)
    errors = [e for pos in sorted(bad) for e in bad[pos]]
    keep = [c for c in (*EXPORT_COLUMNS, SOURCE_COLUMN) if c in frame.columns]
    return RekonLoadResult(frame=frame[keep], errors=errors)
