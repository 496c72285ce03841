"""Rupiah amounts as Indonesians write them: parsing to ``int`` rupiah and formatting back.

``parse_bill_amount`` is the one parser of a bill amount (rupiah above 0) for every channel;
``parse_rupiah`` reads any amount, negative ones too.

Reads "3.648.730.000", "Rp 1.250.000", "Rp1.250.000,00", "Rp 1.250.000,-", "1,25 juta", "1.2jt", "3,5 M",
"IDR 1,250,000.00", "(1.250.000)" and plain numbers (int/float/Decimal, as spreadsheets give them).

Separator rules (Indonesian convention first, English accepted when unambiguous):
- both ``.`` and ``,`` present: the last one is the decimal mark ("1.250.000,50", "1,250,000.50");
- one kind, several times: thousands separators ("1.250.000", "1,250,000");
- one kind, once, followed by exactly 3 digits: thousands ("1.250", "1,250"), except ``,`` before a
  word multiplier, which is the Indonesian decimal comma ("1,250 juta" = 1.250.000);
- otherwise a decimal mark ("1,25 juta", "1.2jt", "12,50").
A bare amount (no multiplier) may carry at most 2 decimals (sen); results are rounded half up to rupiah.
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from numbers import Integral, Real

import numpy as np
import pandas as pd

from analytics.errors import InvalidInputError, MoneyParseError, shown

# Word multipliers, longest first so "juta" wins over "jt" style prefixes. "m" is miliar (Indonesian),
# not million: an Indonesian writes "1,5 M" for Rp1.500.000.000.
_MULTIPLIERS: dict[str, int] = {
    "triliun": 10**12, "trilyun": 10**12, "tn": 10**12, "t": 10**12,
    "miliar": 10**9, "milyar": 10**9, "mlyr": 10**9, "mil": 10**9, "m": 10**9, "b": 10**9, "bn": 10**9,
    "juta": 10**6, "jt": 10**6, "jta": 10**6, "mio": 10**6,
    "ribu": 10**3, "rb": 10**3, "rbu": 10**3, "k": 10**3,
}
_MULT_RE = re.compile(r"^(?P<num>.*?)\s*(?P<word>" + "|".join(sorted(_MULTIPLIERS, key=len, reverse=True)) + r")\.?$")
_CURRENCY_RE = re.compile(r"^(rp\.?|idr)\s*")
# One "<number> <multiplier word>" part of a compound amount such as "2 juta 300 ribu" or "1 m 250 jt".
_PART_RE = re.compile(r"([0-9][0-9.,]*)\s*(" + "|".join(sorted(_MULTIPLIERS, key=len, reverse=True)) + r")\.?(?=\s|$)")
_NUM_RE = re.compile(r"^[0-9][0-9.,]*$")
MAX_AMOUNT_CHARS = 64  # "Rp 1.250.000.000.000,00" or "2 miliar 300 juta 450 ribu rupiah" fit easily
_GROUPED_RE = re.compile(r"^[0-9]{1,3}(?:[.,' ][0-9]{3})+$")
_SPACE_GROUPS_RE = re.compile(r"^[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?$")


def _fail(raw: object, why: str = "") -> MoneyParseError:
    extra = f" ({why})" if why else ""
    return MoneyParseError(f"nilai rupiah tidak dapat dibaca: '{shown(raw)}'{extra}")


def _split_number(num: str, has_multiplier: bool, raw: object) -> Decimal:
    """Turn '1.250.000,50' style text (digits and separators only) into a Decimal."""
    if _SPACE_GROUPS_RE.match(num):
        num = num.replace(" ", ".") if ("," in num or "." not in num) else num.replace(" ", ",")
    if not _NUM_RE.match(num):
        raise _fail(raw)
    dots, commas = num.count("."), num.count(",")
    if dots and commas:
        dec_sep = "." if num.rfind(".") > num.rfind(",") else ","
        int_part, _, frac = num.rpartition(dec_sep)
        if not _GROUPED_RE.match(int_part) and not int_part.isdigit():
            raise _fail(raw, "pemisah ribuan tidak konsisten")
        thousands = "," if dec_sep == "." else "."
        if dec_sep in int_part or not frac.isdigit():
            raise _fail(raw)
        int_digits = int_part.replace(thousands, "")
        return Decimal(f"{int_digits}.{frac}")
    sep = "." if dots else ("," if commas else "")
    if not sep:
        return Decimal(num)
    count = dots or commas
    if count > 1:
        if not _GROUPED_RE.match(num):
            raise _fail(raw, "pemisah ribuan tidak konsisten")
        return Decimal(num.replace(sep, ""))
    head, _, tail = num.partition(sep)
    if not head or not tail:
        raise _fail(raw)
    is_thousands = len(tail) == 3 and not (sep == "," and has_multiplier)
    if is_thousands:
        return Decimal(head + tail)
    return Decimal(f"{head}.{tail}")


def _compound_amount(s: str, raw: object) -> int | None:
    """Whole rupiah of "2 juta 300 ribu" (parts with strictly falling multipliers); None if ``s`` is not one."""
    parts = _PART_RE.findall(s)
    if len(parts) < 2 or _PART_RE.sub("", s).strip():
        return None
    multipliers = [_MULTIPLIERS[word] for _, word in parts]
    if any(a <= b for a, b in zip(multipliers, multipliers[1:])):
        raise _fail(raw, "urutan satuan tidak wajar")
    total = sum(_split_number(num, True, raw) * mult for (num, _), mult in zip(parts, multipliers))
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_rupiah(value: object) -> int:
    """Read one amount written the Indonesian way and return whole rupiah (rounded half up).

    Negative amounts ("-1.000", "(1.000)") are returned negative; whether they are allowed is the
    caller's rule. Raises :class:`MoneyParseError` (Indonesian message) for anything else.
    """
    if isinstance(value, bool) or value is None:
        raise _fail(value, "kosong" if value is None else "bukan angka")
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, (Real, Decimal)):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            raise _fail(value, "kosong")
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not isinstance(value, str):
        raise _fail(value, "bukan angka")

    s = value.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-").strip().lower()
    if not s:
        raise _fail(value, "kosong")
    if len(s) > MAX_AMOUNT_CHARS:  # no amount is this long, and the regexes below are quadratic in it
        raise _fail(value, "terlalu panjang")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    s = _CURRENCY_RE.sub("", s)
    if s.startswith("-"):  # "Rp -1.000"
        negative, s = not negative, s[1:].strip()
    s = re.sub(r"\s*rupiah$", "", s)
    s = re.sub(r"[.,]-+$", "", s).strip()  # "Rp 1.250.000,-"

    compound = _compound_amount(s, value)
    if compound is not None:
        return -compound if negative else compound
    multiplier = 1
    m = _MULT_RE.match(s)
    if m and m.group("num").strip():
        multiplier = _MULTIPLIERS[m.group("word")]
        s = m.group("num").strip()
    try:
        amount = _split_number(s, multiplier != 1, value)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regexes above
        raise _fail(value) from exc
    if multiplier == 1 and amount != amount.to_integral_value() and -amount.as_tuple().exponent > 2:
        raise _fail(value, "lebih dari 2 angka desimal")
    result = int((amount * multiplier).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return -result if negative else result


def parse_bill_amount(value: object, *, what: str = "nilai tagihan") -> int:
    """A bill amount (whole rupiah, above 0) as a person writes it ("Rp 1.250.000", "1,25 juta",
    "2 juta 300 ribu") or as a number. The one parser of the chat form, the API and the fairness check.

    Raises :class:`MoneyParseError` when unreadable and :class:`InvalidInputError` when 0 or negative, both
    with the same message ("Nilai tagihan harus berupa jumlah rupiah lebih dari 0, ...; 'abc' belum
    sesuai."); ``what`` names the amount in it.
    """
    message = (f"{what[:1].upper()}{what[1:]} harus berupa jumlah rupiah lebih dari 0, misalnya Rp 1.250.000 "
               f"atau 1,25 juta; '{shown(value)}' belum sesuai.")
    try:
        amount = parse_rupiah(value)
    except MoneyParseError as exc:
        raise MoneyParseError(message) from exc
    if amount <= 0:
        raise InvalidInputError(message)
    return amount


def parse_rupiah_series(values: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    """Parse a column of amounts; returns (float64 rupiah with NaN where bad, {position: message}).

    Numeric columns pass straight through; text is parsed once per distinct value, so a column of a
    million repeated cells stays fast. Positions are 0-based offsets into ``values``.
    """
    errors: dict[int, str] = {}
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        out = values.to_numpy(dtype="float64", na_value=np.nan)
        out = np.sign(out) * np.floor(np.abs(out) + 0.5)  # half up, as parse_rupiah rounds one number
        for pos in np.flatnonzero(~np.isfinite(out)):
            errors[int(pos)] = "nilai kosong"
        out[~np.isfinite(out)] = np.nan
        return out, errors
    obj = values.astype(object).to_numpy()
    cache: dict[object, float | str] = {}
    out = np.empty(len(obj), dtype="float64")
    for pos, cell in enumerate(obj):
        key = cell if not (isinstance(cell, float) and math.isnan(cell)) else None
        hit = cache.get(key)
        if hit is None:
            try:
                hit = float(parse_rupiah(key))
            except MoneyParseError as exc:
                hit = exc.message
            cache[key] = hit
        if isinstance(hit, str):
            errors[pos] = hit
            out[pos] = np.nan
        else:
            out[pos] = hit
    return out, errors


def format_ribuan(amount: int | float) -> str:
    """'1.250.000' for 1250000: the Indonesian thousands separator, no currency, rounded to rupiah."""
    n = int(Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    body = f"{abs(n):,}".replace(",", ".")
    return f"-{body}" if n < 0 else body


def format_rupiah(amount: int | float, *, prefix: str = "Rp") -> str:
    """'Rp1.250.000' for 1250000 (rupiah); negative amounts as '-Rp1.250.000'."""
    text = format_ribuan(amount)
    return f"-{prefix}{text[1:]}" if text.startswith("-") else f"{prefix}{text}"


def format_desimal(x: float, digits: int = 2) -> str:
    """'1,25' for 1.25: Indonesian decimal comma, thousands with dots."""
    body = f"{abs(x):,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"-{body}" if x < 0 and round(abs(x), digits) != 0 else body


def format_rupiah_singkat(amount: int | float) -> str:
    """Short form for chat messages: 'Rp1,26 miliar', 'Rp40,06 juta', 'Rp850 ribu', 'Rp950'."""
    n = float(amount)
    for unit, word in ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")):
        if abs(n) >= unit:
            text = format_desimal(abs(n) / unit, 2).rstrip("0").rstrip(",")
            return f"{'-' if n < 0 else ''}Rp{text} {word}"
    return format_rupiah(n)


def format_persen(fraction: float, digits: int = 1) -> str:
    """'20,0%' for 0.2 (a fraction, not a percentage)."""
    return f"{format_desimal(fraction * 100.0, digits)}%"
