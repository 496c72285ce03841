"""Identifiers shared by every analytic and every channel: kode satker (6 digits), idpel (12 digits) and
billing periods (months). One parser each; the chat forms and the HTTP API call these same functions.

Months are handled as ``pandas.Period`` with monthly frequency; internally as a month number
``year * 12 + month - 1`` for vectorised work.
"""
from __future__ import annotations

import math
import re
from numbers import Integral

import numpy as np
import pandas as pd

from analytics.errors import InvalidInputError

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")
_MONTH_WORDS: dict[str, int] = {}
for _i, _name in enumerate(BULAN, start=1):
    _MONTH_WORDS[_name.lower()] = _i
    _MONTH_WORDS[_name.lower()[:3]] = _i
for _word, _i in {"agt": 8, "ags": 8, "okt": 10, "des": 12, "may": 5, "aug": 8, "oct": 10, "dec": 12,
                  "sept": 9, "pebruari": 2, "nopember": 11, "nop": 11, "peb": 2}.items():
    _MONTH_WORDS[_word] = _i

_DIGITS_RE = re.compile(r"^\d+$")


def _as_id_text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value) or value != int(value):
            return str(value)
        return str(int(value))
    return str(value).strip()


def normalize_kode_satker(value: object) -> str:
    """A kode satker as its 6-digit text. Numbers from spreadsheets that lost leading zeros are padded.

    Raises InvalidInputError("kode satker harus 6 digit: '12a'") otherwise.
    """
    text = _as_id_text(value)
    if isinstance(value, (Integral, float)) and _DIGITS_RE.match(text) and len(text) < 6:
        text = text.zfill(6)
    if not (_DIGITS_RE.match(text) and len(text) == 6):
        raise InvalidInputError(f"kode satker harus 6 digit: {text!r}")
    return text


def normalize_idpel(value: object) -> str:
    """An idpel (PLN customer id, NO_PELANGGAN) as its 12-digit text; numbers are zero-padded."""
    text = _as_id_text(value)
    if isinstance(value, (Integral, float)) and _DIGITS_RE.match(text) and len(text) < 12:
        text = text.zfill(12)
    if not (_DIGITS_RE.match(text) and len(text) == 12):
        raise InvalidInputError(f"idpel harus 12 digit: {text!r}")
    return text


def parse_periode(value: object) -> pd.Period:
    """A billing month from 202202, '202202', '2022-02', '2022-02-01', '02/2022', 'Februari 2022',
    'FEB-2022', a date or a Period. Raises InvalidInputError with the value in the message."""
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year") and hasattr(value, "month"):
        ts = pd.Timestamp(value)
        return pd.Period(year=ts.year, month=ts.month, freq="M")
    text = _as_id_text(value).lower()
    year = month = None
    if _DIGITS_RE.match(text) and len(text) in (6, 8):          # yyyymm or yyyymmdd
        year, month = int(text[:4]), int(text[4:6])
    else:
        m = re.match(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[ t].*)?$", text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
        else:
            m = re.match(r"^(\d{1,2})[-/.](\d{4})$", text)
            if m:
                month, year = int(m.group(1)), int(m.group(2))
            else:
                m = re.match(r"^([a-z]+)[\s\-/.']*(\d{2}|\d{4})$", text)
                if m and m.group(1) in _MONTH_WORDS:
                    month = _MONTH_WORDS[m.group(1)]
                    year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
    if year is None or month is None or not (1 <= month <= 12) or not (1990 <= year <= 2100):
        raise InvalidInputError(f"periode tagihan tidak dikenali: {text!r} (contoh yang benar: 202202 atau 2022-02)")
    return pd.Period(year=year, month=month, freq="M")


def parse_periode_series(values: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    """Parse a column of months; returns (int64 month numbers, -1 where bad; {position: message})."""
    obj = values.astype(object).to_numpy()
    cache: dict[object, int | str] = {}
    out = np.full(len(obj), -1, dtype=np.int64)
    errors: dict[int, str] = {}
    for pos, cell in enumerate(obj):
        key = None if (isinstance(cell, float) and math.isnan(cell)) else cell
        hit = cache.get(key)
        if hit is None:
            try:
                hit = period_to_month(parse_periode(key)) if key is not None else "periode kosong"
            except InvalidInputError as exc:
                hit = exc.message
            cache[key] = hit
        if isinstance(hit, str):
            errors[pos] = hit
        else:
            out[pos] = hit
    return out, errors


def period_to_month(p: pd.Period) -> int:
    """Month number ``year * 12 + month - 1`` of a monthly Period."""
    return p.year * 12 + p.month - 1


def month_to_period(m: int) -> pd.Period:
    return pd.Period(year=int(m) // 12, month=int(m) % 12 + 1, freq="M")


def nama_bulan(p: pd.Period) -> str:
    """'Februari 2022' for Period('2022-02')."""
    return f"{BULAN[p.month - 1]} {p.year}"


