"""The regional-budget (APBD) account reference, level 6 with its parents, in two versions merged by code.

Code format per level: 4/5/6 (akun) / 5.1 (kelompok) / 5.1.01 (jenis) / 5.1.01.01 (objek) / 5.1.01.01.01
(rincian objek) / 5.1.01.01.01.0001 (sub rincian objek).

Versions: the primary list is Kepmendagri 050-5889 Tahun 2021 (the shipped file is a PARTIAL transcription
of belanja operasi 5.1; ``load_reference(path)`` reads the official full list instead). Permendagri 90/2019
(all LRA groups, sixth segment normalised from 3 to 4 digits) fills in only the rincian objek (level 5)
that the primary list has no account in, because 050-5889 renumbered whole groups (5.1.02.01.01). Inside a
group the primary list covers, a 90/2019 name is a former name ("nama lama"): a hint for files written with
the old nomenclature, never a valid name for the code. Every account carries its ``source``.

Template accounts: 90/2019 rows such as ``Belanja Subsidi kepada BUMD ...`` are patterns a region fills in;
a name fits when it starts with the fixed part before the ellipsis (and ends with the part after it). A
``Dst ...`` row means the region numbers further accounts of the same pattern itself, so any code of that
rincian objek accepts a fitting name.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analytics.accounts.text import exact_key, lexical_form, word_coverage
from analytics.errors import DataFileError, InvalidInputError, RowError
from analytics.data import DATA_DIR

DEFAULT_REFERENCE = DATA_DIR / "kepmendagri_050_5889_belanja_operasi.csv"
DEFAULT_FALLBACK = DATA_DIR / "permendagri_90_2019_lra.csv"
SOURCE_050 = "050-5889"
SOURCE_90 = "90/2019"
SOURCE_TITLES = {SOURCE_050: "Kepmendagri 050-5889 Tahun 2021", SOURCE_90: "Permendagri 90 Tahun 2019"}
# Top groups of the LRA chart a validation report counts separately (akun 5 split by kelompok).
TOP_GROUPS = {
    "4": "Pendapatan Daerah",
    "5.1": "Belanja Operasi",
    "5.2": "Belanja Modal",
    "5.3": "Belanja Tidak Terduga",
    "5.4": "Belanja Transfer",
    "6": "Pembiayaan Daerah",
}
_ELLIPSIS = re.compile(r"\s*(?:\.{3,}|…)\s*")
_FILL_IN = re.compile(r"\(\s*diisi[^)]*\)?", re.IGNORECASE)
_DST = re.compile(r"^dst\b", re.IGNORECASE)
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


def widen_code(code: str) -> str:
    """A Permendagri 90/2019 code with its sixth segment written in 4 digits (``...01.001`` -> ``...01.0001``)."""
    parts = str(code).strip().split(".")
    if len(parts) == 6 and parts[5].isdigit() and len(parts[5]) == 3:
        parts[5] = parts[5].zfill(4)
    return ".".join(parts)


def top_group(code: str) -> str:
    """'4', '5.1', '5.2', '5.3', '5.4' or '6' for a code of that group; '' when it is none of them."""
    parts = str(code).strip().split(".")
    key = ".".join(parts[:2]) if parts[0] == "5" else parts[0]
    return key if key in TOP_GROUPS else ""


def template_parts(name: str) -> tuple[str, str] | None:
    """(fixed prefix, fixed suffix) as exact keys for a template name ('... (diisi nama ...)', 'X ... Y');
    None for an ordinary name."""
    text = _FILL_IN.sub(" ... ", str(name))
    pieces = _ELLIPSIS.split(text)
    if len(pieces) < 2:
        return None
    prefix, suffix = exact_key(pieces[0]), exact_key(pieces[-1])
    return (prefix, suffix) if prefix else None


def fits_template(name: str, parts: tuple[str, str]) -> bool:
    """True when ``name`` keeps the template's fixed prefix (whole words) and suffix."""
    key = exact_key(name)
    prefix, suffix = parts
    if not (key == prefix or key.startswith(prefix + " ")):
        return False
    return not suffix or key.endswith(suffix) and len(key) >= len(prefix) + len(suffix)


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


TEMPLATE_HEAD_WORDS = 3
# A former name is a rewording of the current one when this share of its content words is still there.
RENAMED_MIN_COVERAGE = 0.75


@dataclass(frozen=True)
class Account:
    """One level-6 account (sub rincian objek) with the names of the levels above it ('' when unknown)."""

    code: str
    name: str
    parents: tuple[tuple[str, str], ...]  # (code, name) for levels 1..5
    source: str = SOURCE_050  # "050-5889" or "90/2019": the regulation this account rests on
    former_names: tuple[str, ...] = ()  # 90/2019 names of this code that 050-5889 changed ("nama lama")
    template: tuple[str, str] | None = None  # fixed (prefix, suffix) when the name is a fill-in pattern

    @property
    def group(self) -> str:
        return top_group(self.code)

    @property
    def source_title(self) -> str:
        return SOURCE_TITLES.get(self.source, self.source)

    def accepts(self, name: str) -> bool:
        """The name is this account's (case and punctuation aside) or fits its template."""
        if exact_key(name) == exact_key(self.name):
            return True
        return self.template is not None and fits_template(name, self.template)

    @property
    def renamed_from(self) -> tuple[str, ...]:
        """The former names that are a rewording of this account (most of the old name's words are still in
        the current one), so the code is still the answer for them: a file written with the old nomenclature
        is pointed to this code. A former name of a reassigned code (050-5889 gave the code to another
        account, as in 5.1.02.01.01) is not a rewording and is left out."""
        current = lexical_form(self.name)
        return tuple(old for old in self.former_names
                     if word_coverage(lexical_form(old), current) >= RENAMED_MIN_COVERAGE)

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
    # 90/2019 codes that 050-5889 dropped or renumbered, with their old names ("kode lama").
    former_codes: dict[str, str] = field(default_factory=dict)
    # rincian objek (level 5) whose 90/2019 list ends in "Dst ...": numbered further by the region.
    open_groups: dict[str, str] = field(default_factory=dict)  # level-5 code -> template account code
    fallback_source: str = ""

    def __post_init__(self):
        self.by_code = {a.code: a for a in self.accounts}
        self.templates = [a for a in self.accounts if a.template is not None]
        # templates by the first (up to) three words of their fixed prefix: a name can only fit a template
        # whose prefix words it starts with, so only those are tried
        self._templates_by_head: dict[tuple[str, ...], list[Account]] = {}
        for a in self.templates:
            head = tuple(a.template[0].split()[:TEMPLATE_HEAD_WORDS])
            self._templates_by_head.setdefault(head, []).append(a)

    def template_for(self, code: str, name: str) -> Account | None:
        """The template account that makes (``code``, ``name``) valid: the code's own template, or the open
        template of its rincian objek (a region-numbered code after a ``Dst ...`` row)."""
        acc = self.by_code.get(code)
        if acc is not None:
            return acc if acc.template is not None and fits_template(name, acc.template) else None
        owner = self.by_code.get(self.open_groups.get(code.rsplit(".", 1)[0], ""))
        return owner if owner is not None and fits_template(name, owner.template) else None

    def template_matching(self, name: str) -> Account | None:
        """The template whose fixed parts a name fits (the most specific one), or None."""
        words = exact_key(name).split()
        tried = [a for n in range(1, TEMPLATE_HEAD_WORDS + 1)
                 for a in self._templates_by_head.get(tuple(words[:n]), ())] if len(words) else []
        fits = [a for a in tried if fits_template(name, a.template)]
        return max(fits, key=lambda a: len(a.template[0]) + len(a.template[1]), default=None)

    @property
    def coverage(self) -> dict[str, int]:
        """Level-6 accounts per top group ('4', '5.1', ... '6'), groups without accounts left out."""
        out: dict[str, int] = {}
        for a in self.accounts:
            out[a.group] = out.get(a.group, 0) + 1
        return {g: out[g] for g in TOP_GROUPS if g in out}

    @property
    def sources(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.accounts:
            out[a.source] = out.get(a.source, 0) + 1
        return out

    def describe(self) -> str:
        """'Kepmendagri 050-5889 Tahun 2021 (versi 2021.3-partial, 1.146 akun) + Permendagri 90 Tahun 2019
        (1.756 akun)': the versions an answer rests on."""
        counts = {s: f"{n:,}".replace(",", ".") for s, n in self.sources.items()}
        parts = [f"{SOURCE_TITLES[SOURCE_050]} (versi {self.version or 'tanpa versi'}, "
                 f"{counts.get(SOURCE_050, '0')} akun)"]
        if SOURCE_90 in counts:
            parts.append(f"{SOURCE_TITLES[SOURCE_90]} ({counts[SOURCE_90]} akun)")
        return " + ".join(parts)

    def __len__(self) -> int:
        return len(self.accounts)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.accounts]


def _read_rows(path: Path) -> tuple[pd.DataFrame, str, int]:
    """The rows, the ``versi`` of the comment header, and the file line of the first data row."""
    suffix = "".join(path.suffixes).lower()
    if suffix.endswith((".xlsx", ".xlsm", ".xls")):
        return pd.read_excel(path, dtype=str).fillna(""), "", 2
    text = path.read_text(encoding="utf-8-sig")
    header_lines = [line for line in text.splitlines() if line.startswith("#")]
    version = next((m.group(1) for line in header_lines for m in [re.search(r"versi (\S+)", line)] if m), "")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    first = body.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    frame = pd.read_csv(
        io.StringIO(body), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL
    )
    return frame, version.rstrip(".,"), len(header_lines) + 2


def _pick(columns, aliases) -> str | None:
    lower = {str(c).strip().lower().replace(" ", "_"): c for c in columns}
    return next((lower[a] for a in aliases if a in lower), None)


def _read_names(path: Path, widen: bool = False) -> tuple[dict[str, str], str]:
    """code -> name of every row of a reference file, checked row by row. A malformed code, an empty name or
    a code written twice raises DataFileError naming the file and the lines (the first five)."""
    if not path.exists():
        raise DataFileError(f"berkas referensi akun tidak ditemukan: {path}")
    frame, version, first_line = _read_rows(path)
    code_col, name_col = _pick(frame.columns, _CODE_ALIASES), _pick(frame.columns, _NAME_ALIASES)
    if code_col is None or name_col is None:
        raise DataFileError(
            "kolom referensi akun tidak sesuai; kolom yang diharapkan: kode, nama "
            f"(ditemukan: {', '.join(map(str, frame.columns))})"
        )
    names: dict[str, str] = {}
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    for pos, (code, name) in enumerate(zip(frame[code_col].astype(str), frame[name_col].astype(str))):
        line = first_line + pos
        code, name = code.strip(), " ".join(name.split())
        if widen:
            code = widen_code(code)
        if code_level(code) == 0:
            errors.append(RowError(line, "kode", f"kode akun tidak valid: {code!r}"))
            continue
        if not name:
            errors.append(RowError(line, "nama", f"nama akun {code} kosong"))
            continue
        if code in seen:
            errors.append(RowError(line, "kode", f"kode akun {code} ganda (sudah ada di baris {seen[code]})"))
            continue
        seen[code] = line
        names[code] = name
    if errors:
        shown = "; ".join(str(e) for e in errors[:5])
        raise DataFileError(f"referensi akun {path.name} memuat {len(errors)} baris tidak valid: {shown}")
    return names, version


def load_reference(
    path: Path | str | None = None, fallback: Path | str | None = DEFAULT_FALLBACK
) -> AccountReference:
    """Read the 050-5889 list (the shipped partial one by default, or the official full list) and merge the
    Permendagri 90/2019 ``fallback`` into it by code (``fallback=None``: the list alone). 050-5889 wins:
    90/2019 adds only rincian objek the list has no account in; elsewhere its differing names become
    ``former_names`` and its missing codes ``former_codes``. Bad rows raise DataFileError naming the line;
    nothing is returned then, so a service keeps the reference it had."""
    path = Path(path) if path else DEFAULT_REFERENCE
    names, version = _read_names(path)
    primary6 = {c: n for c, n in names.items() if code_level(c) == 6}
    if not primary6:
        raise DataFileError(f"referensi {path.name} tidak memuat akun level 6 (sub rincian objek)")
    sources = dict.fromkeys(primary6, SOURCE_050)
    former: dict[str, list[str]] = {}
    former_codes: dict[str, str] = {}
    open_groups: dict[str, str] = {}
    if fallback:
        old, _ = _read_names(Path(fallback), widen=True)
        covered = {c.rsplit(".", 1)[0] for c in primary6}
        for code, name in old.items():
            if code_level(code) != 6:
                names.setdefault(code, name)  # parent names the primary list lacks
                continue
            group = code.rsplit(".", 1)[0]
            if _DST.match(name):
                if group not in covered:
                    open_groups[group] = ""
                continue
            if group not in covered:
                names[code], sources[code] = name, SOURCE_90
            elif code in primary6:
                if exact_key(name) != exact_key(primary6[code]):
                    former.setdefault(code, []).append(name)
            else:
                former_codes[code] = name
    accounts = []
    for code, source in sources.items():
        name = names[code]
        template = template_parts(name)
        accounts.append(Account(code, name, tuple((p, names.get(p, "")) for p in parent_codes(code)),
                                source=source, former_names=tuple(former.get(code, ())), template=template))
    accounts.sort(key=lambda a: a.code)
    for group in open_groups:  # the last template of the group is the one a region continues
        owner = [a.code for a in accounts if a.code.startswith(group + ".") and a.template is not None]
        open_groups[group] = owner[-1] if owner else ""
    return AccountReference(
        accounts=accounts, source=str(path), version=version, former_codes=former_codes,
        open_groups={g: c for g, c in open_groups.items() if c},
        fallback_source=str(fallback) if fallback else "",
    )


@lru_cache(maxsize=4)
def default_reference(path: str | None = None) -> AccountReference:
    """Cached merged reference (the shipped 050-5889 partial list unless ``path`` is given, plus 90/2019)."""
    return load_reference(path)
