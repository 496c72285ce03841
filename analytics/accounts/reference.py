"""The Kepmendagri 050-5889 Tahun 2021 account reference (regional budget, APBD), level 6 with its parents.

Code format per level: 5 (akun) / 5.1 (kelompok) / 5.1.01 (jenis) / 5.1.01.01 (objek) / 5.1.01.01.01
(rincian objek) / 5.1.01.01.01.0001 (sub rincian objek). The shipped file is a PARTIAL transcription of
belanja operasi (see its header); ``load_reference(path)`` reads the official full list instead (CSV or
XLSX with a code column and a name column), and validates every code.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analytics.errors import DataFileError, InvalidInputError, RowError
from analytics.data import DATA_DIR

DEFAULT_REFERENCE = DATA_DIR / "kepmendagri_050_5889_belanja_operasi.csv"
LEVEL_NAMES = ("akun", "kelompok", "jenis", "objek", "rincian objek", "sub rincian objek")
_CODE_RE = re.compile(r"^\d(\.\d)?(\.\d{2}){0,3}(\.\d{4})?$")
LEVEL6_RE = re.compile(r"^\d\.\d\.\d{2}\.\d{2}\.\d{2}\.\d{4}$")
_CODE_ALIASES = ("kode", "kode_akun", "kode_rekening", "kd_rek", "kode_rek", "kodeakun")
_NAME_ALIASES = ("nama", "nama_akun", "uraian", "nama_rekening", "namaakunsubrinci", "uraian_akun", "nm_rek")


def code_level(code: str) -> int:
    """1..6 for a well-formed code, 0 otherwise."""
    code = str(code).strip()
    if not _CODE_RE.match(code):
        return 0
    parts = code.split(".")
    if len(parts) == 6 and len(parts[5]) != 4:
        return 0
    return len(parts)


def normalize_kode_akun(value: object) -> str:
    """A level-6 code as written in the reference ('5.1.02.01.01.0024'); spaces are dropped.

    Raises InvalidInputError naming the value and the expected shape otherwise."""
    text = "".join(str(value if value is not None else "").split())
    if not LEVEL6_RE.match(text):
        raise InvalidInputError(
            "kode akun harus 6 tingkat dengan format Kepmendagri 050-5889 seperti 5.1.02.01.01.0024: "
            f"{text!r}"
        )
    return text


def parent_codes(code: str) -> list[str]:
    """Codes of the levels above ``code``: 5.1.01.01.09.0001 -> 5, 5.1, 5.1.01, 5.1.01.01, 5.1.01.01.09."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@dataclass(frozen=True)
class Account:
    """One level-6 account (sub rincian objek) with the names of the levels above it ('' when unknown)."""

    code: str
    name: str
    parents: tuple[tuple[str, str], ...]  # (code, name) for levels 1..5

    @property
    def full_name(self) -> str:
        """'Belanja Pegawai > ... > Belanja Iuran Jaminan Kesehatan PNS' (levels 3..6 that have names)."""
        names = [n for c, n in self.parents[2:] if n] + [self.name]
        return " > ".join(names)


@dataclass
class AccountReference:
    accounts: list[Account]
    source: str
    version: str = ""

    def __post_init__(self):
        self.by_code = {a.code: a for a in self.accounts}

    def __len__(self) -> int:
        return len(self.accounts)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.accounts]


def _read_rows(path: Path) -> tuple[pd.DataFrame, str]:
    suffix = "".join(path.suffixes).lower()
    if suffix.endswith((".xlsx", ".xlsm", ".xls")):
        return pd.read_excel(path, dtype=str).fillna(""), ""
    text = path.read_text(encoding="utf-8-sig")
    header_lines = [line for line in text.splitlines() if line.startswith("#")]
    version = next((m.group(1) for line in header_lines for m in [re.search(r"versi (\S+)", line)] if m), "")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    first = body.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    frame = pd.read_csv(
        io.StringIO(body), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL
    )
    return frame, version.rstrip(".,")


def _pick(columns, aliases) -> str | None:
    lower = {str(c).strip().lower().replace(" ", "_"): c for c in columns}
    return next((lower[a] for a in aliases if a in lower), None)


def load_reference(path: Path | str | None = None) -> AccountReference:
    """Read a reference list (shipped partial one by default). Rows with a malformed code raise DataFileError
    listing the first bad lines; level-1..5 rows only supply parent names; level-6 rows are the accounts."""
    path = Path(path) if path else DEFAULT_REFERENCE
    if not path.exists():
        raise DataFileError(f"berkas referensi akun tidak ditemukan: {path}")
    frame, version = _read_rows(path)
    code_col, name_col = _pick(frame.columns, _CODE_ALIASES), _pick(frame.columns, _NAME_ALIASES)
    if code_col is None or name_col is None:
        raise DataFileError(
            "kolom referensi akun tidak sesuai; kolom yang diharapkan: kode, nama "
            f"(ditemukan: {', '.join(map(str, frame.columns))})"
        )
    names: dict[str, str] = {}
    errors: list[RowError] = []
    for pos, (code, name) in enumerate(zip(frame[code_col].astype(str), frame[name_col].astype(str))):
        code, name = code.strip(), " ".join(name.split())
        if code_level(code) == 0:
            errors.append(RowError(pos + 2, "kode", f"kode akun tidak valid: {code!r}"))
            continue
        if not name:
            errors.append(RowError(pos + 2, "nama", f"nama akun {code} kosong"))
            continue
        names[code] = name
    if errors:
        shown = "; ".join(str(e) for e in errors[:5])
        raise DataFileError(f"referensi akun memuat {len(errors)} baris tidak valid: {shown}")
    accounts = [
        Account(code, name, tuple((p, names.get(p, "")) for p in parent_codes(code)))
        for code, name in names.items()
        if code_level(code) == 6
    ]
    if not accounts:
        raise DataFileError(f"referensi {path.name} tidak memuat akun level 6 (sub rincian objek)")
    accounts.sort(key=lambda a: a.code)
    return AccountReference(accounts=accounts, source=str(path), version=version)


@lru_cache(maxsize=4)
def default_reference(path: str | None = None) -> AccountReference:
    """Cached reference (the shipped partial list unless ``path`` is given)."""
    return load_reference(path)
