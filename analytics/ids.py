"""Identifiers shared by every analytic and every channel: kode satker (6 digits), idpel (12 digits) and
billing periods (months). One parser each (``parse_kode_satker``, ``parse_idpel``, ``parse_periode``); the
chat forms, the HTTP API and the file loaders call these same functions, so every channel accepts the
same input ("400 156" and "400.156" too) and refuses it with the same Indonesian message. The rupiah
amount's parser is ``analytics.money.parse_bill_amount``.

Months are handled as ``pandas.Period`` with monthly frequency; internally as a month number
``year * 12 + month - 1`` for vectorised work.
"""
from __future__ import annotations

import math
import re
from numbers import Integral

import numpy as np
import pandas as pd

from analytics.errors import InvalidInputError, shown

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
# Spaces, dots and dashes people write between digit groups ("400 156", "400.156", "5000-2548-8143").
_SEPARATORS_RE = re.compile(r"[\s.\-]")
KODE_SATKER_MESSAGE = "Kode satker harus 6 digit angka, '{value}' belum sesuai."
IDPEL_MESSAGE = "ID pelanggan (idpel) harus 12 digit angka, '{value}' belum sesuai."
PERIODE_MESSAGE = ("Periode harus berupa bulan dan tahun, misalnya Februari 2024 atau 02/2024; "
                   "'{value}' belum sesuai.")


class KodeSatker(str):
    """A kode satker: its 6 digits as text. Made by :func:`parse_kode_satker`; a plain ``str`` otherwise."""

    __slots__ = ()


class Idpel(str):
    """An idpel (PLN customer id, NO_PELANGGAN): its 12 digits as text. Made by :func:`parse_idpel`."""

    __slots__ = ()


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


def _id_digits(value: object, width: int, message: str) -> str:
    """The ``width`` digits of an identifier typed by a person or read from a file. Text loses its spaces,
    dots and dashes; a number (a spreadsheet cell that lost its leading zeros) is zero-padded."""
    text = _as_id_text(value)
    if isinstance(value, str):
        text = _SEPARATORS_RE.sub("", text)
    elif isinstance(value, (Integral, float)) and _DIGITS_RE.match(text) and len(text) < width:
        text = text.zfill(width)
    if not (_DIGITS_RE.match(text) and len(text) == width):
        raise InvalidInputError(message.format(value=shown(value)))
    return text


def parse_kode_satker(value: object) -> KodeSatker:
    """A kode satker from what a person typed ("400156", "400 156", "400.156") or a file cell (400156).

    Raises InvalidInputError("Kode satker harus 6 digit angka, '12a' belum sesuai.") otherwise: the one
    message the chat and the API show. A :class:`KodeSatker` is returned as it is (parsed already).
    """
    if type(value) is KodeSatker:
        return value
    return KodeSatker(_id_digits(value, 6, KODE_SATKER_MESSAGE))


def parse_idpel(value: object) -> Idpel:
    """An idpel from what a person typed ("500025488143", "5000 2548 8143") or a file cell; numbers are
    zero-padded. Raises InvalidInputError with :data:`IDPEL_MESSAGE` otherwise."""
    if type(value) is Idpel:
        return value
    return Idpel(_id_digits(value, 12, IDPEL_MESSAGE))


def parse_periode(value: object) -> pd.Period:
    """A billing month from 202202, '202202', '2022-02', '2022-02-01', '02/2022', 'Februari 2022',
    'FEB-2022', a date or a Period. Raises InvalidInputError with :data:`PERIODE_MESSAGE`, the one message
    the chat and the API show."""
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
        raise InvalidInputError(PERIODE_MESSAGE.format(value=shown(value)))
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


